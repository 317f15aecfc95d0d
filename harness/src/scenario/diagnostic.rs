//! Places in the harness's input files and the problems found there.
//!
//! - [`SourceFile`] is a file's text; [`SourceLocation`] a 1-based `file:line:col` in it.
//! - [`Diagnostic`] is one problem in any input file (scenario, IdP profile, baseline,
//!   simulate's directory and changes): a message, a location, a label and a hint, rendered
//!   rustc-style with annotate-snippets (`--> file:line:col`, the line, a caret, `help:`).
//!   YAML errors become diagnostics in [`super::yaml`]; the linter, the baseline and the
//!   simulation's input check make their own at the spanned value concerned.
//! - Each check result carries the [`SourceLocation`] of its expectation, and the console
//!   draws that line with [`render_snippet`], so a failed check points into the scenario file
//!   as a load error does.
//! - [`did_you_mean`] picks the suggestion for a misspelt name.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;
use serde_saphyr::Spanned;

/// A place in a scenario file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct SourceLocation {
    /// Path of the file as given to the loader (relative to the working directory).
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A loaded scenario file's text, shared by every diagnostic that points into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Display path.
    pub path: String,
    /// Full text.
    pub text: Arc<str>,
}

impl SourceFile {
    /// The location of a spanned value in this file.
    pub fn location_of<T>(&self, spanned: &Spanned<T>) -> SourceLocation {
        SourceLocation {
            file: self.path.clone(),
            line: spanned.referenced.line().max(1),
            column: spanned.referenced.column().max(1),
        }
    }

    /// Byte range of the token at a 1-based line and column: the rest of the token up to
    /// white space or a YAML delimiter, at least one character.
    pub fn token_range(&self, line: u64, column: u64) -> Range<usize> {
        let Some(line_start) = self.line_offset(line) else {
            let end = self.text.len();
            return end..end;
        };
        let line_text = self.text[line_start..].lines().next().unwrap_or("");
        let col_byte = line_text
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(line_text.len(), |(i, _)| i);
        let start = line_start + col_byte;
        let rest = &line_text[col_byte..];
        let len = if let Some(stripped) = rest.strip_prefix('"') {
            stripped.find('"').map_or(rest.len(), |i| i + 2)
        } else if let Some(stripped) = rest.strip_prefix('\'') {
            stripped.find('\'').map_or(rest.len(), |i| i + 2)
        } else {
            rest.find([' ', ',', ']', '}', ':', '#'])
                .unwrap_or(rest.len())
        };
        let len = len.max(rest.chars().next().map_or(0, char::len_utf8));
        start..start + len
    }

    fn line_offset(&self, line: u64) -> Option<usize> {
        if line <= 1 {
            return Some(0);
        }
        self.text
            .match_indices('\n')
            .nth((line - 2) as usize)
            .map(|(i, _)| i + 1)
            .filter(|&i| i <= self.text.len())
    }
}

/// One problem in a scenario file.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Where it is.
    pub location: SourceLocation,
    /// What is wrong, as a lowercase sentence fragment.
    pub message: String,
    /// Short label under the caret.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    #[serde(skip)]
    source: Option<SourceFile>,
}

impl Diagnostic {
    /// A diagnostic at a 1-based line/column of `file`.
    pub fn at(file: &SourceFile, line: u64, column: u64, message: impl Into<String>) -> Self {
        Diagnostic {
            location: SourceLocation {
                file: file.path.clone(),
                line: line.max(1),
                column: column.max(1),
            },
            message: message.into(),
            label: String::new(),
            help: None,
            source: Some(file.clone()),
        }
    }

    /// A diagnostic at a spanned value.
    pub fn spanned<T>(file: &SourceFile, spanned: &Spanned<T>, message: impl Into<String>) -> Self {
        let loc = file.location_of(spanned);
        Diagnostic::at(file, loc.line, loc.column, message)
    }

    /// A diagnostic about a whole file that has no useful position (e.g. unreadable).
    pub fn file_level(path: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            location: SourceLocation {
                file: path.to_string(),
                line: 1,
                column: 1,
            },
            message: message.into(),
            label: String::new(),
            help: None,
            source: None,
        }
    }

    /// Sets the label shown under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic: `error: …`, `--> file:line:col`, the line, a caret and the hint.
    pub fn render(&self, color: bool) -> String {
        let title = Level::ERROR.primary_title(&self.message);
        let mut groups = Vec::new();
        match &self.source {
            Some(src) => {
                let range = src.token_range(self.location.line, self.location.column);
                groups.push(
                    title.element(
                        Snippet::source(&*src.text)
                            .path(&*src.path)
                            .annotation(AnnotationKind::Primary.span(range).label(&*self.label)),
                    ),
                );
            }
            None => groups.push(Group::with_title(title)),
        }
        if let Some(help) = &self.help {
            groups.push(Group::with_title(Level::HELP.secondary_title(help)));
        }
        let rendered = renderer(color).render(&groups);
        if self.source.is_none() {
            format!("{rendered}\n  --> {}", self.location)
        } else {
            rendered
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// A source snippet pointing at `location` with a label, for runtime failures.
pub fn render_snippet(file: &SourceFile, location: &SourceLocation, label: &str) -> String {
    let range = file.token_range(location.line, location.column);
    let group = Group::with_level(Level::NOTE).element(
        Snippet::source(&*file.text)
            .path(&*file.path)
            .annotation(AnnotationKind::Primary.span(range).label(label)),
    );
    renderer(false).render(&[group])
}

fn renderer(color: bool) -> Renderer {
    if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// The closest candidate to `input` (Jaro-Winkler ≥ 0.8), for "did you mean" hints.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&input, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Serde's `unknown field `x`, expected one of `a`, `b`` (backticks around the names
/// optional) → ("x", ["a", "b"]): the misspelt key of a YAML or TOML input file and the keys
/// it may have meant.
pub(crate) fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.split("unknown field `").nth(1)?;
    let (name, tail) = rest.split_once('`')?;
    let list = tail
        .split_once("expected one of ")
        .or_else(|| tail.split_once("expected "))
        .map_or("", |(_, l)| l);
    let expected = list
        .split(',')
        .map(|n| n.trim().trim_matches('`').to_string())
        .filter(|n| !n.is_empty())
        .collect();
    Some((name.to_string(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: "scenarios/x.yaml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn token_range_covers_a_bare_word_and_a_quoted_string() {
        let f = file("name: a\nsteps:\n  - expcet: 3\n    path: \"/Users x\"\n");
        let r = f.token_range(3, 5);
        assert_eq!(&f.text[r], "expcet");
        let r = f.token_range(4, 11);
        assert_eq!(&f.text[r], "\"/Users x\"");
    }

    #[test]
    fn render_points_at_line_and_column_with_help() {
        let f = file("name: a\nsteps:\n  - expcet: 3\n");
        let d = Diagnostic::at(&f, 3, 5, "unknown field `expcet`")
            .with_label("not a step field")
            .with_help("did you mean `expect`?");
        let out = d.render(false);
        assert!(out.contains("error: unknown field `expcet`"), "{out}");
        assert!(out.contains("scenarios/x.yaml:3:5"), "{out}");
        assert!(out.contains("  - expcet: 3"), "{out}");
        assert!(out.contains("^^^^^^ not a step field"), "{out}");
        assert!(out.contains("help: did you mean `expect`?"), "{out}");
    }

    #[test]
    fn did_you_mean_finds_close_names_only() {
        let names = ["expect", "request", "capture"];
        assert_eq!(did_you_mean("expcet", names), Some("expect"));
        assert_eq!(did_you_mean("reqest", names), Some("request"));
        assert_eq!(did_you_mean("zzz", names), None);
    }
}
