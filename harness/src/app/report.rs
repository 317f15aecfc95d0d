//! `report merge` and `report badge`: work on reports written earlier.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::cli::{ReportAction, ReportArgs};
use crate::exec::redact::Redactor;
use crate::exit::Exit;
use crate::report::read::{ReportKind, locate, parse_run_report, read_any};
use crate::report::write_all;

use super::load::load_exit;
use super::run::append_step_summary;

pub(super) fn report_command(args: ReportArgs) -> Exit {
    match args.action {
        ReportAction::Merge {
            files,
            out,
            formats,
            no_step_summary,
        } => merge_reports(&files, out, &formats, no_step_summary),
        ReportAction::Badge { report, out } => badges(&report, out),
    }
}

/// `report merge`: run reports or load reports, never both.
pub(super) fn merge_reports(
    inputs: &[PathBuf],
    out: Option<PathBuf>,
    formats: &[crate::report::ReportFormat],
    no_step_summary: bool,
) -> Exit {
    let mut read = Vec::new();
    for path in inputs {
        match locate(path).and_then(|file| read_any(&file).map(|(k, t)| (file, k, t))) {
            Ok(r) => read.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        }
    }
    let Some((first_path, kind, _)) = read.first() else {
        eprintln!("error: nothing to merge");
        return Exit::Usage;
    };
    if let Some((path, other, _)) = read.iter().find(|(_, k, _)| k != kind) {
        eprintln!(
            "error: cannot merge a {} ({}) with a {} ({}): merge the shards of one kind of run",
            kind.name(),
            first_path.display(),
            other.name(),
            path.display()
        );
        return Exit::Usage;
    }
    match kind {
        ReportKind::Load => merge_load_reports(&read, out),
        ReportKind::Run => merge_run_reports(&read, out, formats, no_step_summary),
    }
}

pub(super) fn merge_run_reports(
    read: &[(PathBuf, ReportKind, String)],
    out: Option<PathBuf>,
    formats: &[crate::report::ReportFormat],
    no_step_summary: bool,
) -> Exit {
    let mut shards = Vec::new();
    for (path, _, text) in read {
        match parse_run_report(path, text) {
            Ok(report) => shards.push(crate::report::merge::Shard {
                label: path.display().to_string(),
                report,
            }),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        }
    }
    let merged = match crate::report::merge::merge(shards) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let out = out.unwrap_or_else(|| PathBuf::from("reports/merged"));
    let redactor = Redactor::default();
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        crate::report::render_summary(&merged, color).as_bytes(),
    );
    match write_all(&merged, formats, &out, &redactor) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            out!("reports: {}", names.join(", "));
            if !no_step_summary {
                append_step_summary(&merged, &redactor);
            }
            Exit::from_verdict(merged.verdict)
        }
        Err(e) => {
            eprintln!("error: cannot write reports to {}: {e}", out.display());
            Exit::Internal
        }
    }
}

pub(super) fn merge_load_reports(
    read: &[(PathBuf, ReportKind, String)],
    out: Option<PathBuf>,
) -> Exit {
    let mut reports = Vec::new();
    for (path, _, text) in read {
        match serde_json::from_str::<crate::load::report::LoadReport>(text) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {}: not a load.json: {e}", path.display());
                return Exit::Usage;
            }
        }
    }
    let merged = match crate::load::report::merge(&reports) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let out = out.unwrap_or_else(|| PathBuf::from("reports/load-merged"));
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        crate::load::markdown::render(&merged).as_bytes(),
    );
    match crate::load::write_reports(&merged, &out, &Default::default()) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            out!("reports: {}", names.join(", "));
            load_exit(&merged.verdict)
        }
        Err(e) => {
            eprintln!("error: cannot write reports to {}: {e}", out.display());
            Exit::Internal
        }
    }
}

/// `report badge`: one SVG per suite verdict, beside the report unless `--out` says where.
pub(super) fn badges(report: &Path, out: Option<PathBuf>) -> Exit {
    let parsed = match crate::report::read::read_run_report(report) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let out = out.unwrap_or_else(|| {
        let dir = if report.is_dir() {
            report
        } else {
            report.parent().unwrap_or(Path::new("."))
        };
        dir.join("badges")
    });
    let badges = crate::report::badge::badges(&parsed);
    if badges.is_empty() {
        eprintln!("error: the report has no suite verdicts (nothing ran)");
        return Exit::Usage;
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return Exit::Internal;
    }
    for b in badges {
        let path = out.join(&b.file_name);
        if let Err(e) = std::fs::write(&path, &b.svg) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return Exit::Internal;
        }
        out!("{}  {}: {}", path.display(), b.label, b.message);
    }
    Exit::Passed
}
