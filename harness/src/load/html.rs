//! `load.html`: one self-contained page — verdict, the per-operation table, latency and
//! throughput over time as inline SVG charts, throttling, the end-state sample, cleanup,
//! and the first failing exchanges in full (secrets already redacted).

use std::fmt::Write as _;

use plotters::style::RGBColor;

use super::chart::{Line, line_chart};
use super::report::LoadReport;

const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const RED: RGBColor = RGBColor(214, 39, 40);
const PURPLE: RGBColor = RGBColor(148, 103, 189);

/// Renders the page.
pub fn render(r: &LoadReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Load: {idp}</title>\n<style>\
body{{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}\
.passed{{color:#1a7f37}}.failed,.unreachable{{color:#cf222e}}.interrupted{{color:#9a6700}}.muted{{color:#666}}\
pre{{background:#f6f8fa;padding:8px;white-space:pre-wrap;word-break:break-all}}\
</style></head><body>\n",
        idp = esc(&r.idp)
    );
    let _ = writeln!(
        out,
        "<h1>Load: {} initial sync — <span class=\"{}\">{}</span></h1>",
        esc(&r.idp),
        esc(&r.verdict),
        esc(&r.verdict)
    );
    let s = &r.settings;
    let _ = writeln!(
        out,
        "<p>Target <code>{}</code>, shard(s) {}: {} users, {} groups × {} members, concurrency {}{}, batch {}.</p>",
        esc(&r.target),
        esc(&r.shards.join(", ")),
        s.users,
        s.groups,
        s.members_per_group,
        s.concurrency,
        s.rate.map(|r| format!(", rate {r}/s")).unwrap_or_default(),
        s.batch_size
    );
    if let Some(stopped) = &r.stopped {
        let _ = writeln!(
            out,
            "<p><strong>Stopped early:</strong> {}</p>",
            esc(stopped)
        );
    }
    let t = &r.totals;
    let _ = writeln!(
        out,
        "<p><strong>{} requests</strong> in {:.1} s ({:.1} req/s), {} errors, {} throttled.</p>",
        t.requests,
        r.sync_ms / 1000.0,
        t.rps,
        t.errors,
        t.throttled
    );
    out.push_str("<table><tr><th>operation</th><th>count</th><th>errors</th><th>throttled</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>statuses</th></tr>\n");
    for op in &r.operations {
        let l = &op.latency;
        let statuses: Vec<String> = op
            .by_status
            .iter()
            .map(|(k, v)| format!("{k}×{v}"))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
            esc(&op.name),
            op.count,
            op.errors,
            op.throttled,
            op.rps,
            l.p50_ms,
            l.p90_ms,
            l.p99_ms,
            l.p999_ms,
            l.max_ms,
            esc(&statuses.join(" "))
        );
    }
    out.push_str("</table>\n<h2>Over time</h2>\n");
    let at = |f: fn(&super::report::SecondPoint) -> f64| -> Vec<(f64, f64)> {
        r.series.iter().map(|p| (p.t as f64, f(p))).collect()
    };
    out.push_str(&line_chart(
        "Latency per second",
        "ms",
        &[
            Line {
                label: "p50",
                color: BLUE,
                points: at(|p| p.p50_ms),
            },
            Line {
                label: "p99",
                color: ORANGE,
                points: at(|p| p.p99_ms),
            },
        ],
    ));
    out.push('\n');
    out.push_str(&line_chart(
        "Throughput per second",
        "requests",
        &[
            Line {
                label: "requests",
                color: BLUE,
                points: at(|p| p.requests as f64),
            },
            Line {
                label: "errors",
                color: RED,
                points: at(|p| p.errors as f64),
            },
            Line {
                label: "throttled",
                color: PURPLE,
                points: at(|p| p.throttled as f64),
            },
        ],
    ));
    let th = &r.throttle;
    let _ = writeln!(
        out,
        "\n<h2>Throttling</h2>\n<p>{} × 429, {} × 503, {} retries, {} given up; the sync was stretched by about {:.1} s.</p>\n<p class=\"muted\">{}</p>",
        th.responses_429,
        th.responses_503,
        th.retries,
        th.gave_up,
        th.stretch_ms / 1000.0,
        esc(&th.policy)
    );
    let v = &r.verification;
    let _ = writeln!(
        out,
        "<h2>End state</h2>\n<p>Created {} users and {} groups ({} existing left untouched). Read back {} users and {} groups: {} mismatch(es).</p>",
        r.created.users,
        r.created.groups,
        r.created.preexisting_untouched,
        v.users_checked,
        v.groups_checked,
        v.mismatches.len()
    );
    if !v.mismatches.is_empty() {
        out.push_str(
            "<table><tr><th>resource</th><th>problem</th><th>what the IdP would do</th></tr>\n",
        );
        for m in &v.mismatches {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td style=\"text-align:left\">{}</td><td style=\"text-align:left\">{}</td></tr>",
                esc(&m.resource),
                esc(&m.problem),
                esc(&m.idp_would)
            );
        }
        out.push_str("</table>\n");
    }
    let c = &r.cleanup;
    if c.kept {
        out.push_str("<p>Cleanup skipped (<code>--keep</code>).</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<p>Cleanup: deleted {}, failed {}.</p>",
            c.deleted, c.failed
        );
        for leak in &c.leaks {
            let _ = writeln!(
                out,
                "<p class=\"failed\">LEAK <code>{}</code></p>",
                esc(leak)
            );
        }
    }
    if !r.failures.is_empty() {
        out.push_str("<h2>First failures</h2>\n");
        for f in &r.failures {
            let mut text = format!("{}\n", f.request);
            for (k, v) in &f.request_headers {
                let _ = writeln!(text, "{k}: {v}");
            }
            if let Some(b) = &f.request_body {
                let _ = writeln!(text, "\n{b}");
            }
            let _ = writeln!(
                text,
                "\n→ {}",
                f.status.map_or("no answer".to_string(), |s| s.to_string())
            );
            for (k, v) in &f.response_headers {
                let _ = writeln!(text, "{k}: {v}");
            }
            if let Some(b) = &f.response_body {
                let _ = writeln!(text, "\n{b}");
            }
            if let Some(e) = &f.error {
                let _ = writeln!(text, "\n{e}");
            }
            let _ = writeln!(
                out,
                "<h3>{}</h3>\n<pre>{}</pre>\n<p>{}</p>",
                esc(&f.operation),
                esc(&text),
                esc(&f.idp_would)
            );
        }
    }
    out.push_str("</body></html>\n");
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
