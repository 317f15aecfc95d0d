//! `load.md`: the load report for a pull-request comment or a CI step summary.

use std::fmt::Write as _;

use super::report::{LoadReport, OpReport};

/// Renders the Markdown summary.
pub fn render(r: &LoadReport) -> String {
    let mut out = String::new();
    let verdict = match r.verdict.as_str() {
        "passed" => "✅ passed",
        "failed" => "❌ failed",
        "interrupted" => "⏹ interrupted",
        "unreachable" => "⛔ target unreachable",
        other => other,
    };
    let _ = writeln!(out, "# Load: {} initial sync — {verdict}\n", r.idp);
    let s = &r.settings;
    let _ = writeln!(
        out,
        "Target `{}`, shard(s) {}: {} users, {} groups × {} members, concurrency {}{}, membership batch {}, incremental {:.0} %{}.\n",
        r.target,
        r.shards.join(", "),
        s.users,
        s.groups,
        s.members_per_group,
        s.concurrency,
        s.rate.map(|r| format!(", rate {r}/s")).unwrap_or_default(),
        s.batch_size,
        s.incremental * 100.0,
        if s.lookups_only { ", lookups only" } else { "" }
    );
    if let Some(stopped) = &r.stopped {
        let _ = writeln!(out, "**Stopped early:** {stopped}\n");
    }
    let t = &r.totals;
    let _ = writeln!(
        out,
        "**{} requests** in {:.1} s ({:.1} req/s), {} errors, {} throttled; p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms.\n",
        t.requests,
        r.sync_ms / 1000.0,
        t.rps,
        t.errors,
        t.throttled,
        t.latency.p50_ms,
        t.latency.p99_ms,
        t.latency.max_ms
    );
    let _ = writeln!(
        out,
        "| operation | count | errors | throttled | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | statuses |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    for op in &r.operations {
        let _ = writeln!(out, "{}", row(op));
    }
    let th = &r.throttle;
    let _ = writeln!(out, "\n## Throttling\n");
    if th.responses_429 + th.responses_503 == 0 {
        let _ = writeln!(out, "The target never throttled.\n");
    } else {
        let _ = writeln!(
            out,
            "{} × 429 and {} × 503; {} retries, {} given up. Throttling stretched the sync by about {:.1} s ({:.1} s of individual waits, {:.1} s of job-wide pauses).\n",
            th.responses_429,
            th.responses_503,
            th.retries,
            th.gave_up,
            th.stretch_ms / 1000.0,
            th.waited_ms / 1000.0,
            th.paused_ms / 1000.0
        );
    }
    let _ = writeln!(out, "IdP behaviour: {}\n", th.policy);
    let _ = writeln!(out, "## End state\n");
    let c = &r.created;
    let _ = writeln!(
        out,
        "Created {} users and {} groups; {} lookup(s) found existing data, left untouched.",
        c.users, c.groups, c.preexisting_untouched
    );
    let v = &r.verification;
    if v.mismatches.is_empty() {
        let _ = writeln!(
            out,
            "Read back {} users and {} groups: all as the IdP intends.\n",
            v.users_checked, v.groups_checked
        );
    } else {
        let _ = writeln!(
            out,
            "Read back {} users and {} groups: {} mismatch(es).\n",
            v.users_checked,
            v.groups_checked,
            v.mismatches.len()
        );
        let _ = writeln!(
            out,
            "| resource | problem | what the IdP would do |\n|---|---|---|"
        );
        for m in &v.mismatches {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&m.resource),
                cell(&m.problem),
                cell(&m.idp_would)
            );
        }
        out.push('\n');
    }
    let cl = &r.cleanup;
    if cl.kept {
        let _ = writeln!(
            out,
            "Cleanup: skipped (`--keep`); the created resources remain.\n"
        );
    } else {
        let _ = writeln!(
            out,
            "Cleanup: deleted {}, failed {}.\n",
            cl.deleted, cl.failed
        );
        for leak in &cl.leaks {
            let _ = writeln!(out, "- LEAK `{leak}`");
        }
    }
    if !r.failures.is_empty() {
        let _ = writeln!(out, "## First failures\n");
        for f in &r.failures {
            let status = f.status.map_or("no answer".to_string(), |s| s.to_string());
            let _ = writeln!(
                out,
                "- **{}** `{}` → {status}{}. {}",
                f.operation,
                f.request,
                f.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default(),
                f.idp_would
            );
        }
    }
    out
}

fn row(op: &OpReport) -> String {
    let statuses: Vec<String> = op
        .by_status
        .iter()
        .map(|(k, v)| format!("{k}×{v}"))
        .chain((op.transport_errors > 0).then(|| format!("no answer×{}", op.transport_errors)))
        .collect();
    let l = &op.latency;
    format!(
        "| {} | {} | {} | {} | {:.1} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {} |",
        op.name,
        op.count,
        op.errors,
        op.throttled,
        op.rps,
        l.p50_ms,
        l.p90_ms,
        l.p99_ms,
        l.p999_ms,
        l.max_ms,
        statuses.join(" ")
    )
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
