//! Live progress on stderr for `run` and `load`.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Effects, Style};
use indicatif::{ProgressBar, ProgressStyle};

use crate::exec::suite::Progress;
use crate::run_report::{ScenarioReport, ScenarioStatus};

/// Live progress on stderr: a bar on terminals, one line per finished scenario everywhere.
pub(super) struct ConsoleProgress {
    bar: Option<ProgressBar>,
}

impl ConsoleProgress {
    pub(super) fn new(total: usize, show: bool) -> Self {
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        ConsoleProgress { bar }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn line(&self, r: &ScenarioReport) -> String {
        let (mark, word) = match r.status {
            ScenarioStatus::Passed => ("✓", "PASS"),
            ScenarioStatus::Failed => ("✗", "FAIL"),
            ScenarioStatus::Errored => ("!", "ERROR"),
            ScenarioStatus::Skipped => ("-", "SKIP"),
        };
        let warnings = r
            .steps
            .iter()
            .flat_map(|s| &s.checks)
            .filter(|c| c.is_warning())
            .count();
        let extra = if warnings > 0 {
            format!(", {warnings} warning(s)")
        } else {
            String::new()
        };
        let text = format!("{mark} {word:<5} {} ({} ms{extra})", r.id, r.duration_ms);
        // Always in color: the line is printed through anstream, which strips it where it
        // does not belong.
        let style = match r.status {
            ScenarioStatus::Passed => AnsiColor::Green.on_default(),
            ScenarioStatus::Failed | ScenarioStatus::Errored => AnsiColor::Red.on_default(),
            ScenarioStatus::Skipped => Style::new().effects(Effects::DIMMED),
        };
        format!("{style}{text}{style:#}")
    }
}

impl Progress for ConsoleProgress {
    fn started(&self, id: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(id.to_string());
        }
    }

    fn finished(&self, report: &ScenarioReport) {
        let line = self.line(report);
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| anstream::eprintln!("{line}"));
                bar.inc(1);
            }
            None => anstream::eprintln!("{line}"),
        }
    }
}

/// Live load progress on stderr (terminals only): done/total, req/s, p99, errors, throttled.
pub(super) struct LoadBar {
    bar: Option<ProgressBar>,
}

impl LoadBar {
    pub(super) fn new(show: bool) -> Self {
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) =
                ProgressStyle::with_template("{prefix:>11} {bar:30.cyan/blue} {pos}/{len} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        LoadBar { bar }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl crate::load::LoadProgress for LoadBar {
    fn phase(&self, name: &str, expected: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_prefix(name.to_string());
                if expected > 0 {
                    bar.set_length(expected);
                }
            }
            None => eprintln!("load: {name}…"),
        }
    }

    fn tick(&self, live: crate::load::stats::Live) {
        if let Some(bar) = &self.bar {
            bar.set_position(live.requests);
            bar.set_message(format!(
                "{:.0} req/s  p99 {:.1} ms  {} errors  {} throttled",
                live.requests as f64 / live.elapsed.max(1e-3),
                live.p99_ms,
                live.errors,
                live.throttled
            ));
        }
    }
}
