//! The `<details>` blocks: one per failed step (its checks, repeats and what was not
//! evaluated) and one per errored scenario, each with the exchange.

use std::fmt::Write as _;

use super::CELL_LIMIT;
use super::inline::{code, fenced, html, text};
use crate::report::text::{BODY_LIMIT, pretty_body, truncate};
use crate::run_report::{CheckResult, ScenarioReport, StepReport, StepStatus};

pub(super) fn failure_details(
    md: &mut String,
    sc: &ScenarioReport,
    step: &StepReport,
    checks: &[&CheckResult],
) {
    let titles: Vec<&str> = checks.iter().map(|c| c.description.as_str()).collect();
    let _ = writeln!(
        md,
        "<details>\n<summary><b>{} › {}</b>: {}</summary>\n",
        html(&sc.id),
        html(&step.name),
        html(&truncate(&titles.join("; "), 300))
    );
    let _ = writeln!(
        md,
        "Scenario {} ({}), step at {}.\n",
        text(&sc.name),
        code(&sc.file),
        code(&step.location.to_string())
    );
    for c in checks {
        let _ = writeln!(md, "**Check failed: {}**\n", text(&c.description));
        let _ = writeln!(md, "- **Where:** {}", code(&c.location.to_string()));
        if let Some(r) = &c.requirement {
            let _ = writeln!(
                md,
                "- **Requirement:** {} ({}, {}): {}",
                text(&r.id),
                text(&r.keyword),
                text(&r.section),
                text(&r.text)
            );
        }
        if let Some(source) = &c.source {
            let _ = writeln!(md, "- **Source:** {}", text(source));
        }
        value_item(md, "Expected", &c.expected);
        value_item(md, "Actual", &c.actual);
        if let Some(because) = &c.because {
            let _ = writeln!(md, "- **Why:** {}", text(because));
        }
        if let Some(g) = &c.graded {
            let _ = writeln!(
                md,
                "- **Graded:** {}",
                text(&crate::report::text::grading_text(g))
            );
        }
        if let Some(impact) = &c.impact {
            let _ = writeln!(md, "- **Impact:** {}", text(impact));
        }
        if !c.violations.is_empty() {
            let _ = writeln!(md, "- **Schema violations:**");
            for v in &c.violations {
                let path = if v.instance_path.is_empty() {
                    "(root)"
                } else {
                    &v.instance_path
                };
                let _ = writeln!(md, "  - {}: {}", code(path), text(&v.message));
            }
        }
        md.push('\n');
    }
    if let Some(impact) = &step.impact
        && checks.iter().all(|c| c.impact.is_none())
    {
        let _ = writeln!(md, "**Impact:** {}\n", text(impact));
    }
    let repeated = crate::report::select::repeats(step);
    if !repeated.is_empty() {
        let _ = writeln!(
            md,
            "**Repeats of this finding ({}):** the same defect seen by other checks of the step.\n",
            repeated.len()
        );
        for c in repeated {
            let _ = writeln!(
                md,
                "- {} ({}): expected {}, got {}",
                text(&c.description),
                text(&c.citation()),
                code(&truncate(&c.expected, 200)),
                code(&truncate(&c.actual, 200))
            );
        }
        md.push('\n');
    }
    let unjudged = crate::report::select::not_evaluated(step);
    if !unjudged.is_empty() {
        let _ = writeln!(md, "**Not evaluated ({}):**\n", unjudged.len());
        for c in unjudged {
            let _ = writeln!(md, "- {}: {}", text(&c.description), text(&c.actual));
        }
        md.push('\n');
    }
    exchange(md, step);
    md.push_str("</details>\n\n");
}

pub(super) fn error_details(md: &mut String, sc: &ScenarioReport) {
    let step = sc
        .steps
        .iter()
        .rev()
        .find(|st| st.status == StepStatus::Errored || st.error.is_some());
    let error = step
        .and_then(|st| st.error.as_deref())
        .or(sc.error.as_deref())
        .unwrap_or("the scenario could not run to the end");
    let title = match step {
        Some(st) => format!("{} › {}", sc.id, st.name),
        None => sc.id.clone(),
    };
    let _ = writeln!(
        md,
        "<details>\n<summary><b>{}</b>: {}</summary>\n",
        html(&title),
        html(&truncate(error, CELL_LIMIT))
    );
    let _ = writeln!(
        md,
        "- **Scenario:** {} ({})",
        text(&sc.name),
        code(&sc.file)
    );
    if let Some(st) = step {
        let _ = writeln!(md, "- **Where:** {}", code(&st.location.to_string()));
    }
    value_item(md, "Error", error);
    if let Some(impact) = step.and_then(|st| st.impact.as_ref()) {
        let _ = writeln!(md, "- **Impact:** {}", text(impact));
    }
    md.push('\n');
    if let Some(st) = step {
        exchange(md, st);
    }
    md.push_str("</details>\n\n");
}

/// `- **Label:** value`, as inline code, or as a code block when the value has several lines.
fn value_item(md: &mut String, label: &str, value: &str) {
    if value.contains('\n') {
        let _ = writeln!(md, "- **{label}:**\n");
        for line in fenced(&truncate(value, BODY_LIMIT), "text").lines() {
            if line.is_empty() {
                md.push('\n');
            } else {
                let _ = writeln!(md, "  {line}");
            }
        }
    } else {
        let _ = writeln!(md, "- **{label}:** {}", code(&truncate(value, BODY_LIMIT)));
    }
}

fn exchange(md: &mut String, step: &StepReport) {
    let req = &step.exchange.request;
    let mut sent = format!("{} {}\n", req.method, req.url);
    for (k, v) in &req.headers {
        let _ = writeln!(sent, "{k}: {v}");
    }
    if let Some(body) = req.body.as_deref().filter(|b| !b.is_empty()) {
        let _ = write!(sent, "\n{}\n", truncate(&pretty_body(body), BODY_LIMIT));
    }
    let _ = writeln!(md, "**Request**\n\n{}\n", fenced(&sent, "http"));
    match &step.exchange.response {
        Some(resp) => {
            let mut got = format!("HTTP {}\n", resp.status);
            for (k, v) in &resp.headers {
                let _ = writeln!(got, "{k}: {v}");
            }
            if let Some(body) = resp.body.as_deref().filter(|b| !b.is_empty()) {
                let _ = write!(got, "\n{}\n", truncate(&pretty_body(body), BODY_LIMIT));
            }
            let _ = writeln!(
                md,
                "**Response** ({:.1} ms)\n\n{}\n",
                step.exchange.duration_ms,
                fenced(&got, "http")
            );
            if resp.truncated {
                md.push_str("_The body was cut at the harness's size limit._\n\n");
            }
        }
        None => {
            let _ = writeln!(
                md,
                "**Response:** none after {:.1} ms\n",
                step.exchange.duration_ms
            );
        }
    }
}
