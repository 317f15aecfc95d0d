//! The scenario files' text, for drawing the source line of a failure under `-->` (as a
//! compiler or hurl does). The run model holds only `file:line:col`; the renderers that
//! show snippets take the texts beside it, so they stay pure functions of their inputs.

use std::collections::HashMap;

use crate::scenario::diagnostic::{SourceFile, SourceLocation, render_snippet};
use crate::scenario::load::LoadedScenario;

/// Scenario file texts by display path (the `file` of a [`SourceLocation`]).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: HashMap<String, SourceFile>,
}

impl Sources {
    /// The texts of the loaded scenarios (shared, not copied).
    pub fn of(scenarios: &[LoadedScenario]) -> Self {
        let mut sources = Sources::default();
        for s in scenarios {
            sources.insert(s.file.clone());
        }
        sources
    }

    /// Adds (or replaces) one file.
    pub fn insert(&mut self, file: SourceFile) {
        self.files.insert(file.path.clone(), file);
    }

    /// The snippet for `location` — `--> file:line:col`, the line and a caret under the
    /// token with `label` — or `None` when the file is unknown or has no such line (it
    /// changed since it was loaded), so the caller falls back to the bare location.
    pub fn snippet(&self, location: &SourceLocation, label: &str) -> Option<String> {
        let file = self.files.get(&location.file)?;
        let lines = file.text.lines().count() as u64;
        if location.line == 0 || location.line > lines {
            return None;
        }
        Some(render_snippet(file, location, label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_points_at_the_token_and_falls_back_when_it_cannot() {
        let mut sources = Sources::default();
        sources.insert(SourceFile {
            path: "scenarios/x.yaml".into(),
            text: "name: x\nsteps:\n  - expect:\n      - status: 201\n".into(),
        });
        let at = |file: &str, line, column| SourceLocation {
            file: file.into(),
            line,
            column,
        };
        let text = sources
            .snippet(&at("scenarios/x.yaml", 4, 17), "actual: 200")
            .unwrap();
        assert_eq!(
            text,
            " --> scenarios/x.yaml:4:17\n  |\n4 |       - status: 201\n  |                 ^^^ actual: 200"
        );
        assert_eq!(sources.snippet(&at("scenarios/x.yaml", 9, 1), "l"), None);
        assert_eq!(sources.snippet(&at("scenarios/y.yaml", 1, 1), "l"), None);
    }
}
