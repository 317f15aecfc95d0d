//! The plain-text block of one failure, warning or error: check, expected and actual,
//! citation, impact, the scenario line under `-->`, and the exchange. The console prints it
//! (with colour on a terminal); JUnit carries it as the failure description.

use anstyle::{AnsiColor, Effects, Style};

use super::sources::Sources;
use super::text::{BODY_LIMIT, compact_body, pretty_body, truncate};
use crate::run_report::{CheckResult, ScenarioReport, StepReport, StepStatus};
use crate::scenario::diagnostic::SourceLocation;

/// Bodies in the console summary are cut at this many bytes.
pub(super) const CONSOLE_BODY_LIMIT: usize = 600;
/// Width of the label column (`expected:`).
pub(super) const LABEL_WIDTH: usize = 9;
/// Indent of the label column.
pub(super) const INDENT: &str = "   ";

/// How much of an exchange a block shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Detail {
    /// Method, URL, status, content type and the first ~600 characters of compact bodies.
    Compact,
    /// Every header and up to 2 KB of pretty-printed bodies.
    Full,
}

/// The block for the failed checks of one step: each check with its location, citation,
/// reasons and violations, then the exchange once.
pub(super) fn failure_block(
    s: &ScenarioReport,
    step: &StepReport,
    checks: &[&CheckResult],
    color: bool,
    detail: Detail,
    sources: &Sources,
) -> String {
    let p = Paint(color);
    let mut b = Block::new(color);
    b.raw(&format!(
        "{} {} › {}",
        p.red_bold("FAIL "),
        clean(&s.id),
        clean(&step.name)
    ));
    for check in checks.iter().filter(|c| c.repeat_of.is_none()) {
        let label = format!("actual: {}", short(&check.actual, 60));
        location(&mut b, p, &check.location, sources, &label);
        b.field("check:", &check.description);
        b.field("expected:", &check.expected);
        b.field_painted("actual:", &check.actual, |t| p.red(t));
        citation(&mut b, check);
        if let Some(g) = &check.graded {
            b.field("graded:", &super::text::grading_text(g));
        }
        if !check.violations.is_empty() {
            let lines: Vec<String> = check
                .violations
                .iter()
                .map(|v| {
                    let path = if v.instance_path.is_empty() {
                        "(root)"
                    } else {
                        &v.instance_path
                    };
                    format!("{path}: {}", v.message)
                })
                .collect();
            b.field("schema:", &lines.join("\n"));
        }
        if let Some(because) = &check.because {
            b.field("why:", because);
        }
        if let Some(impact) = &check.impact {
            b.field("impact:", impact);
        }
    }
    if let Some(impact) = &step.impact
        && checks.iter().all(|c| c.impact.is_none())
    {
        b.field("impact:", impact);
    }
    let repeated = super::select::repeats(step);
    if !repeated.is_empty() {
        let lines: Vec<String> = repeated
            .iter()
            .map(|c| {
                let citation = c.citation();
                format!(
                    "{}{} — expected {}, got {}",
                    c.description,
                    if citation.is_empty() {
                        String::new()
                    } else {
                        format!(" [{citation}]")
                    },
                    one_line(&c.expected),
                    one_line(&c.actual)
                )
            })
            .collect();
        b.field(&format!("repeats ({}):", repeated.len()), &lines.join("\n"));
    }
    if step.control && !s.steps_not_run.is_empty() {
        b.field(
            "control:",
            &format!(
                "this step sends the canonical form; the variants after it were not evaluated ({})",
                s.steps_not_run.join(", ")
            ),
        );
    }
    let unjudged = super::select::not_evaluated(step);
    if !unjudged.is_empty() {
        let lines: Vec<String> = unjudged
            .iter()
            .map(|c| format!("{} — {}", c.description, one_line(&c.actual)))
            .collect();
        b.field("not evaluated:", &lines.join("\n"));
    }
    exchange(&mut b, step, detail);
    b.finish()
}

/// The block for a scenario that could not run to the end.
pub(super) fn error_block(
    s: &ScenarioReport,
    color: bool,
    detail: Detail,
    sources: &Sources,
) -> String {
    let p = Paint(color);
    let mut b = Block::new(color);
    let step = s
        .steps
        .iter()
        .rev()
        .find(|st| st.status == StepStatus::Errored || st.error.is_some());
    match step {
        Some(step) => {
            b.raw(&format!(
                "{} {} › {}",
                p.red_bold("ERROR"),
                clean(&s.id),
                clean(&step.name)
            ));
            location(
                &mut b,
                p,
                &step.location,
                sources,
                "this step could not finish",
            );
            let error = step
                .error
                .as_deref()
                .or(s.error.as_deref())
                .unwrap_or("the step could not be completed");
            b.field_painted("error:", error, |t| p.red(t));
            if let Some(impact) = &step.impact {
                b.field("impact:", impact);
            }
            exchange(&mut b, step, detail);
        }
        None => {
            b.raw(&format!("{} {}", p.red_bold("ERROR"), clean(&s.id)));
            b.raw(&format!("  {} {}", p.dim("-->"), p.dim(&clean(&s.file))));
            b.field_painted(
                "error:",
                s.error
                    .as_deref()
                    .unwrap_or("the scenario could not run to the end"),
                |t| p.red(t),
            );
        }
    }
    b.finish()
}

/// Where a failure is written: the source line with a caret under the token when the
/// file's text is at hand (as hurl shows it), else `--> file:line:col`.
pub(super) fn location(
    b: &mut Block,
    p: Paint,
    at: &SourceLocation,
    sources: &Sources,
    label: &str,
) {
    match sources.snippet(at, &clean(label)) {
        Some(snippet) => {
            for line in clean(&snippet).lines() {
                b.raw(&p.dim(line.trim_end()));
            }
        }
        None => b.raw(&format!(
            "  {} {}",
            p.dim("-->"),
            p.dim(&clean(&at.to_string()))
        )),
    }
}

/// One line for a SHOULD-level failure.
pub(super) fn warning_line(
    s: &ScenarioReport,
    step: &StepReport,
    c: &CheckResult,
    color: bool,
) -> String {
    let p = Paint(color);
    let mut line = format!(
        "{} {} › {}: {}",
        p.yellow_bold("WARN "),
        clean(&s.id),
        clean(&step.name),
        clean(&c.description)
    );
    let citation = c.citation();
    if !citation.is_empty() {
        line.push_str(&format!(" — {}", clean(&citation)));
    }
    line.push_str(&format!(
        " — expected {}, got {}",
        clean(&one_line(&c.expected)),
        clean(&one_line(&c.actual))
    ));
    if let Some(g) = &c.graded {
        line.push_str(&format!(" — {}", clean(&super::text::grading_text(g))));
    } else if let Some(note) = c
        .requirement
        .as_ref()
        .and_then(|r| r.severity_note.as_ref())
    {
        line.push_str(&format!(" — a warning: {}", clean(note)));
    }
    line
}

/// A one-line summary of a failed check: `create user: status is 201 — expected 201, got 200`.
pub(super) fn one_line_summary(step: &StepReport, c: &CheckResult) -> String {
    let mut line = format!(
        "{}: {} — expected {}, got {}",
        step.name,
        c.description,
        one_line(&c.expected),
        one_line(&c.actual)
    );
    let citation = c.citation();
    if !citation.is_empty() {
        line.push_str(&format!(" [{citation}]"));
    }
    line
}

/// `text` on one line, cut at 200 bytes.
/// `text` on one line, at most `chars` characters (`…` marks a cut).
pub(super) fn short(text: &str, chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &flat[..end]),
        None => flat,
    }
}

pub(super) fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&flat, 200)
}

pub(super) fn citation(b: &mut Block, check: &CheckResult) {
    if let Some(r) = &check.requirement {
        b.field(
            "rule:",
            &format!("{} ({}, {}) {}", r.id, r.keyword, r.section, r.text),
        );
        if let Some(source) = &check.source {
            b.field("source:", source);
        }
    } else if let Some(source) = &check.source {
        b.field("source:", source);
    }
}

pub(super) fn exchange(b: &mut Block, step: &StepReport, detail: Detail) {
    let req = &step.exchange.request;
    let mut sent = format!("{} {}", req.method, req.url);
    if detail == Detail::Full {
        for (k, v) in &req.headers {
            sent.push_str(&format!("\n{k}: {v}"));
        }
    }
    if let Some(body) = req.body.as_deref().filter(|b| !b.is_empty()) {
        sent.push('\n');
        if detail == Detail::Full {
            sent.push('\n');
        }
        sent.push_str(&body_excerpt(body, detail));
    }
    b.field("sent:", &sent);

    let got = match &step.exchange.response {
        Some(resp) => {
            let mut got = resp.status.to_string();
            match detail {
                Detail::Compact => {
                    if let Some((_, ct)) = resp
                        .headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    {
                        got.push_str(&format!(" content-type: {ct}"));
                    }
                }
                Detail::Full => {
                    for (k, v) in &resp.headers {
                        got.push_str(&format!("\n{k}: {v}"));
                    }
                }
            }
            if let Some(body) = resp.body.as_deref().filter(|b| !b.is_empty()) {
                got.push('\n');
                if detail == Detail::Full {
                    got.push('\n');
                }
                got.push_str(&body_excerpt(body, detail));
                if resp.truncated {
                    got.push_str("\n[the body was cut at the harness's size limit]");
                }
            }
            got
        }
        None => "no response".to_string(),
    };
    b.field("got:", &got);
}

pub(super) fn body_excerpt(body: &str, detail: Detail) -> String {
    match detail {
        Detail::Compact => truncate(&compact_body(body), CONSOLE_BODY_LIMIT),
        Detail::Full => truncate(&pretty_body(body), BODY_LIMIT),
    }
}

/// Replaces control characters (other than newline and tab) so that a server cannot send
/// escape sequences to the terminal.
pub(super) fn clean(text: &str) -> String {
    super::escape::controls(text)
}

/// Lines of a block with an aligned label column.
pub(super) struct Block {
    out: String,
    color: bool,
}

impl Block {
    fn new(color: bool) -> Self {
        Block {
            out: String::new(),
            color,
        }
    }

    fn raw(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn field(&mut self, label: &str, value: &str) {
        self.field_painted(label, value, |t| t.to_string());
    }

    fn field_painted(&mut self, label: &str, value: &str, paint: impl Fn(&str) -> String) {
        let value = clean(value);
        let mut lines = value.lines();
        let first = lines.next().unwrap_or("");
        let label = Paint(self.color).styled(label, Style::new().bold());
        let pad = LABEL_WIDTH.saturating_sub(label_len(&label));
        self.out.push_str(&format!(
            "{INDENT}{label}{:pad$} {}\n",
            "",
            paint(first).trim_end()
        ));
        for line in lines {
            if line.trim().is_empty() {
                self.out.push('\n');
            } else {
                self.out.push_str(&format!(
                    "{INDENT}{:LABEL_WIDTH$} {}\n",
                    "",
                    paint(line).trim_end()
                ));
            }
        }
    }

    fn finish(self) -> String {
        self.out
    }
}

/// Visible length of a label (ANSI sequences excluded).
pub(super) fn label_len(label: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in label.chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => len += 1,
        }
    }
    len
}

/// Applies colors only when enabled. The console renders with colors and the terminal
/// stream (anstream) strips them where they do not belong; `false` serves the plain-text
/// copies (reports, snapshots, JUnit).
#[derive(Clone, Copy)]
pub(super) struct Paint(pub(super) bool);

impl Paint {
    fn styled(self, t: &str, style: Style) -> String {
        if self.0 {
            format!("{style}{t}{style:#}")
        } else {
            t.to_string()
        }
    }
    pub(super) fn red(self, t: &str) -> String {
        self.styled(t, AnsiColor::Red.on_default())
    }
    pub(super) fn red_bold(self, t: &str) -> String {
        self.styled(t, AnsiColor::Red.on_default().bold())
    }
    pub(super) fn yellow_bold(self, t: &str) -> String {
        self.styled(t, AnsiColor::Yellow.on_default().bold())
    }
    pub(super) fn green_bold(self, t: &str) -> String {
        self.styled(t, AnsiColor::Green.on_default().bold())
    }
    pub(super) fn dim(self, t: &str) -> String {
        self.styled(t, Style::new().effects(Effects::DIMMED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_folds_whitespace_and_cuts_on_a_char_boundary() {
        assert_eq!(short("a  b\nc", 10), "a b c");
        assert_eq!(short("abcdef", 3), "abc…");
    }
}
