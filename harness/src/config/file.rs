//! The `scim-harness.toml` file: its keys, how it is parsed (every key and value typed, with
//! its position, so a mistake is reported at `file:line:col` with a hint), and the checked
//! settings it yields. Paths in it are relative to the file's directory.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ValueEnum;
use serde::Deserialize;
use toml::Spanned;

use crate::report::ReportFormat;
use crate::scenario::diagnostic::{Diagnostic, SourceFile, did_you_mean};
use crate::scenario::model::Feature;
use crate::validate::snapshot::SnapshotMode;

/// The file as written: every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    target: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    ca_cert: Option<Spanned<String>>,
    scenarios: Option<Vec<Spanned<String>>>,
    suites: Option<Vec<Spanned<String>>>,
    gate: Option<Vec<Spanned<String>>>,
    baseline: Option<Spanned<String>>,
    strict: Option<bool>,
    force_features: Option<Vec<Spanned<String>>>,
    jobs: Option<Spanned<i64>>,
    timeout: Option<Spanned<f64>>,
    deadline: Option<Spanned<f64>>,
    cleanup_timeout: Option<Spanned<f64>>,
    retries: Option<Spanned<i64>>,
    retry_max_wait: Option<Spanned<f64>>,
    retry_budget: Option<Spanned<f64>>,
    report: Option<RawReport>,
    snapshot: Option<RawSnapshot>,
}

/// `[report]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    formats: Option<Vec<Spanned<String>>>,
    dir: Option<Spanned<String>>,
    step_summary: Option<bool>,
}

/// `[snapshot]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnapshot {
    mode: Option<Spanned<String>>,
    dir: Option<Spanned<String>>,
    target_name: Option<Spanned<String>>,
}

/// Checked settings from a config file; `None` where the file does not set the key. Paths
/// are resolved against the file's directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file they came from.
    pub path: PathBuf,
    /// `target`: SCIM base URL of the server under test.
    pub target: Option<String>,
    /// `token_env`: the environment variable holding the bearer token.
    pub token_env: Option<String>,
    /// `ca_cert`: PEM file of extra CA certificates.
    pub ca_cert: Option<PathBuf>,
    /// `scenarios`: scenario directories or files.
    pub scenarios: Option<Vec<PathBuf>>,
    /// `suites`: `--idp`.
    pub suites: Option<Vec<String>>,
    /// `gate`: suites whose verdicts set the exit code.
    pub gate: Option<Vec<String>>,
    /// `baseline`: file of known failures.
    pub baseline: Option<PathBuf>,
    /// `strict`: SHOULD-level failures fail the run.
    pub strict: Option<bool>,
    /// `force_features`.
    pub force_features: Option<Vec<Feature>>,
    /// `jobs`.
    pub jobs: Option<u16>,
    /// `timeout`, seconds.
    pub timeout: Option<f64>,
    /// `deadline`, seconds.
    pub deadline: Option<f64>,
    /// `cleanup_timeout`, seconds.
    pub cleanup_timeout: Option<f64>,
    /// `retries`.
    pub retries: Option<u32>,
    /// `retry_max_wait`, seconds.
    pub retry_max_wait: Option<f64>,
    /// `retry_budget`, seconds.
    pub retry_budget: Option<f64>,
    /// `[report] formats`.
    pub report_formats: Option<Vec<ReportFormat>>,
    /// `[report] dir`.
    pub report_dir: Option<PathBuf>,
    /// `[report] step_summary`.
    pub step_summary: Option<bool>,
    /// `[snapshot] mode`.
    pub snapshot_mode: Option<SnapshotMode>,
    /// `[snapshot] dir`.
    pub snapshot_dir: Option<PathBuf>,
    /// `[snapshot] target_name`.
    pub target_name: Option<String>,
}

/// Reads and checks a config file. Every problem found is returned, each at its place.
pub fn load(path: &Path) -> Result<Config, Vec<Diagnostic>> {
    let text = crate::scenario::load::read_capped(path)
        .map_err(|e| vec![Diagnostic::file_level(&path.display().to_string(), e)])?;
    parse(path, &text)
}

/// Parses and checks a config file's text; `path` is where it is (for messages and for
/// resolving the relative paths in it).
pub fn parse(path: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let file = SourceFile {
        path: path.display().to_string(),
        text: Arc::from(text),
    };
    // Every unknown key (and a token) is reported at once, before the typed parse, which
    // stops at its first error.
    let keys = check_keys(&file);
    if !keys.is_empty() {
        return Err(keys);
    }
    let raw: RawConfig = toml::from_str(text).map_err(|e| vec![syntax(&file, &e)])?;
    let mut c = Checker {
        file: &file,
        dir: path.parent().unwrap_or(Path::new("")),
        problems: Vec::new(),
    };
    let report = raw.report.unwrap_or_default();
    let snapshot = raw.snapshot.unwrap_or_default();
    let config = Config {
        path: path.to_path_buf(),
        target: raw.target.map(Spanned::into_inner),
        token_env: raw.token_env.map(|v| c.env_name(v)),
        ca_cert: raw.ca_cert.map(|p| c.path(p)),
        scenarios: raw
            .scenarios
            .map(|list| list.into_iter().map(|p| c.path(p)).collect()),
        suites: raw.suites.map(names),
        gate: raw.gate.map(names),
        baseline: raw.baseline.map(|p| c.path(p)),
        strict: raw.strict,
        force_features: raw.force_features.map(|list| {
            list.iter()
                .filter_map(|f| c.value_enum(f, "force_features"))
                .collect()
        }),
        jobs: raw
            .jobs
            .and_then(|j| c.int(&j, "jobs", 1, 64))
            .map(|j| j as u16),
        timeout: raw.timeout.and_then(|s| c.seconds(&s, "timeout")),
        deadline: raw.deadline.and_then(|s| c.seconds(&s, "deadline")),
        cleanup_timeout: raw
            .cleanup_timeout
            .and_then(|s| c.seconds(&s, "cleanup_timeout")),
        retries: raw
            .retries
            .and_then(|r| c.int(&r, "retries", 0, 100))
            .map(|r| r as u32),
        retry_max_wait: raw
            .retry_max_wait
            .and_then(|s| c.seconds(&s, "retry_max_wait")),
        retry_budget: raw.retry_budget.and_then(|s| c.seconds(&s, "retry_budget")),
        report_formats: report.formats.map(|list| {
            list.iter()
                .filter_map(|f| c.value_enum(f, "formats"))
                .collect()
        }),
        report_dir: report.dir.map(|p| c.path(p)),
        step_summary: report.step_summary,
        snapshot_mode: snapshot.mode.and_then(|m| c.value_enum(&m, "mode")),
        snapshot_dir: snapshot.dir.map(|p| c.path(p)),
        target_name: snapshot.target_name.map(Spanned::into_inner),
    };
    if c.problems.is_empty() {
        Ok(config)
    } else {
        Err(c.problems)
    }
}

fn names(list: Vec<Spanned<String>>) -> Vec<String> {
    list.into_iter().map(Spanned::into_inner).collect()
}

/// Checks values that parsed but may still be wrong, collecting every problem.
struct Checker<'a> {
    file: &'a SourceFile,
    dir: &'a Path,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn at(&mut self, span: Range<usize>, message: String, help: String) {
        let (line, column) = line_column(&self.file.text, span.start);
        self.problems.push(
            Diagnostic::at(self.file, line, column, message)
                .with_label("here")
                .with_help(help),
        );
    }

    /// A path relative to the config file's directory.
    fn path(&mut self, p: Spanned<String>) -> PathBuf {
        if p.get_ref().is_empty() {
            self.at(
                p.span(),
                "an empty path".into(),
                "give a path relative to this file's directory, or delete the key".into(),
            );
        }
        self.dir.join(p.into_inner())
    }

    fn env_name(&mut self, name: Spanned<String>) -> String {
        let ok = !name.get_ref().is_empty()
            && name
                .get_ref()
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if !ok {
            self.at(
                name.span(),
                format!("`{}` is not an environment variable name", name.get_ref()),
                "token_env names the variable that holds the token (e.g. `ACME_SCIM_TOKEN`), never the token itself".into(),
            );
        }
        name.into_inner()
    }

    fn int(&mut self, v: &Spanned<i64>, key: &str, min: i64, max: i64) -> Option<i64> {
        let n = *v.get_ref();
        if (min..=max).contains(&n) {
            Some(n)
        } else {
            self.at(
                v.span(),
                format!("{key} must be between {min} and {max}, got {n}"),
                format!("set {key} to a whole number from {min} to {max}"),
            );
            None
        }
    }

    fn seconds(&mut self, v: &Spanned<f64>, key: &str) -> Option<f64> {
        let s = *v.get_ref();
        if s.is_finite() && s > 0.0 && s <= 86_400.0 {
            Some(s)
        } else {
            self.at(
                v.span(),
                format!("{key} must be a number of seconds between 0 and 86400, got {s}"),
                format!("e.g. `{key} = 30`"),
            );
            None
        }
    }

    fn value_enum<T: ValueEnum>(&mut self, v: &Spanned<String>, key: &str) -> Option<T> {
        if let Ok(value) = T::from_str(v.get_ref(), false) {
            return Some(value);
        }
        let known: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|x| x.to_possible_value())
            .map(|p| p.get_name().to_string())
            .collect();
        let help = match did_you_mean(v.get_ref(), known.iter().map(String::as_str)) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("{key} are: {}", known.join(", ")),
        };
        self.at(
            v.span(),
            format!("unknown {key} value `{}`", v.get_ref()),
            help,
        );
        None
    }
}

/// Keys of the file, and of its tables.
const KEYS: &[&str] = &[
    "target",
    "token_env",
    "ca_cert",
    "scenarios",
    "suites",
    "gate",
    "baseline",
    "strict",
    "force_features",
    "jobs",
    "timeout",
    "deadline",
    "cleanup_timeout",
    "retries",
    "retry_max_wait",
    "retry_budget",
    "report",
    "snapshot",
];
const REPORT_KEYS: &[&str] = &["formats", "dir", "step_summary"];
const SNAPSHOT_KEYS: &[&str] = &["mode", "dir", "target_name"];

/// Every unknown key, and a `token` key, in file order. A file that is not valid TOML
/// yields nothing here: the typed parse reports its syntax error.
fn check_keys(file: &SourceFile) -> Vec<Diagnostic> {
    use toml::de::{DeTable, DeValue};
    let Ok(table) = DeTable::parse(&file.text) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, Diagnostic)> = Vec::new();
    for (key, value) in table.get_ref().iter() {
        let name: &str = key.get_ref();
        if name == "token" {
            // The line is not shown: it holds the secret.
            found.push((
                key.span().start,
                hidden(file, key.span(), "a bearer token must not be written in the config file")
                    .with_help("delete the `token` key, put the token in an environment variable and name it with `token_env = \"VAR\"` (files get committed; the token would leak)"),
            ));
            continue;
        }
        if !KEYS.contains(&name) {
            found.push((key.span().start, unknown(file, key.span(), name, KEYS)));
            continue;
        }
        let allowed = match name {
            "report" => REPORT_KEYS,
            "snapshot" => SNAPSHOT_KEYS,
            _ => continue,
        };
        if let DeValue::Table(sub) = value.get_ref() {
            for (k, _) in sub.iter() {
                let k_name: &str = k.get_ref();
                if !allowed.contains(&k_name) {
                    found.push((k.span().start, unknown(file, k.span(), k_name, allowed)));
                }
            }
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, d)| d).collect()
}

/// An unknown key at its place with a did-you-mean. The value of a key the harness does not
/// know could be anything, a secret too: the line is shown with its value masked.
fn unknown(file: &SourceFile, span: Range<usize>, name: &str, allowed: &[&str]) -> Diagnostic {
    let help = match did_you_mean(name, allowed.iter().copied()) {
        Some(m) => {
            format!("did you mean `{m}`? (`scim-harness init` writes a file listing every key)")
        }
        None => format!("keys allowed here: {}", allowed.join(", ")),
    };
    let (line, column) = line_column(&file.text, span.start);
    let masked = SourceFile {
        path: file.path.clone(),
        text: Arc::from(mask_value_on_line(&file.text, line)),
    };
    Diagnostic::at(&masked, line, column, format!("unknown key `{name}`"))
        .with_label("not a key here")
        .with_help(help)
}

/// A TOML syntax or shape error (unknown key, wrong type) at its place, with a hint.
fn syntax(file: &SourceFile, err: &toml::de::Error) -> Diagnostic {
    let message = err.message().trim().to_string();
    let span = err.span().unwrap_or(0..0);
    if let Some((name, expected)) = crate::scenario::diagnostic::unknown_field(&message) {
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        return unknown(file, span, &name, &expected);
    }
    let (line, column) = line_column(&file.text, span.start);
    let help = if message.contains("invalid type") {
        "check the value's type: `scim-harness init` writes a file with every key and an example value"
    } else {
        "the config file is TOML (https://toml.io); check quoting and `key = value` near this position"
    };
    if mentions_token(&file.text) {
        let mut d = Diagnostic::file_level(&file.path, message).with_help(help);
        d.location.line = line;
        d.location.column = column;
        return d;
    }
    Diagnostic::at(file, line, column, message)
        .with_label("here")
        .with_help(help)
}

/// A diagnostic that names its place but does not show the line (it holds a secret).
fn hidden(file: &SourceFile, span: Range<usize>, message: &str) -> Diagnostic {
    let (line, column) = line_column(&file.text, span.start);
    let mut d = Diagnostic::file_level(&file.path, message);
    d.location.line = line;
    d.location.column = column;
    d
}

/// Whether a line of the file sets a `token` key: its diagnostics then show no source line.
fn mentions_token(text: &str) -> bool {
    text.lines().any(|l| {
        l.split_once('=').is_some_and(|(key, _)| {
            key.trim()
                .trim_matches(['"', '\''])
                .eq_ignore_ascii_case("token")
        })
    })
}

/// `text` with the value after `=` on 1-based `line` replaced by `…`.
fn mask_value_on_line(text: &str, line: u64) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i as u64 + 1 != line {
                return l.to_string();
            }
            match l.split_once('=') {
                Some((key, rest)) => {
                    let newline = if rest.ends_with('\n') { "\n" } else { "" };
                    format!("{key}= …{newline}")
                }
                None => l.to_string(),
            }
        })
        .collect()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() as u64 + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, l)| l)
        .chars()
        .count() as u64
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Config, Vec<Diagnostic>> {
        parse(Path::new("/ci/acme/scim-harness.toml"), text)
    }

    fn one_error(text: &str) -> Diagnostic {
        let mut e = parse_text(text).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        e.remove(0)
    }

    #[test]
    fn every_key_is_read_and_paths_are_relative_to_the_file() {
        let c = parse_text(
            r#"
target = "https://acme.example/scim/v2"
token_env = "ACME_SCIM_TOKEN"
ca_cert = "certs/ca.pem"
scenarios = ["scenarios", "/abs/extra"]
suites = ["rfc", "okta-oin"]
gate = ["rfc"]
baseline = "baseline.yaml"
strict = true
force_features = ["sort"]
jobs = 8
timeout = 20
deadline = 900.5
cleanup_timeout = 30
retries = 2
retry_max_wait = 10
retry_budget = 60

[report]
formats = ["json", "junit"]
dir = "out/reports"
step_summary = false

[snapshot]
mode = "check"
dir = "snaps"
target_name = "acme-staging"
"#,
        )
        .unwrap();
        let dir = Path::new("/ci/acme");
        assert_eq!(c.target.as_deref(), Some("https://acme.example/scim/v2"));
        assert_eq!(c.token_env.as_deref(), Some("ACME_SCIM_TOKEN"));
        assert_eq!(c.ca_cert, Some(dir.join("certs/ca.pem")));
        assert_eq!(
            c.scenarios,
            Some(vec![dir.join("scenarios"), PathBuf::from("/abs/extra")])
        );
        assert_eq!(c.suites, Some(vec!["rfc".into(), "okta-oin".into()]));
        assert_eq!(c.gate, Some(vec!["rfc".into()]));
        assert_eq!(c.baseline, Some(dir.join("baseline.yaml")));
        assert_eq!(c.strict, Some(true));
        assert_eq!(c.force_features, Some(vec![Feature::Sort]));
        assert_eq!(c.jobs, Some(8));
        assert_eq!(c.timeout, Some(20.0));
        assert_eq!(c.deadline, Some(900.5));
        assert_eq!(c.cleanup_timeout, Some(30.0));
        assert_eq!(c.retries, Some(2));
        assert_eq!(c.retry_max_wait, Some(10.0));
        assert_eq!(c.retry_budget, Some(60.0));
        assert_eq!(
            c.report_formats,
            Some(vec![ReportFormat::Json, ReportFormat::Junit])
        );
        assert_eq!(c.report_dir, Some(dir.join("out/reports")));
        assert_eq!(c.step_summary, Some(false));
        assert_eq!(c.snapshot_mode, Some(SnapshotMode::Check));
        assert_eq!(c.snapshot_dir, Some(dir.join("snaps")));
        assert_eq!(c.target_name.as_deref(), Some("acme-staging"));
    }

    #[test]
    fn an_empty_file_sets_nothing() {
        let c = parse_text("# nothing\n").unwrap();
        assert_eq!(
            c,
            Config {
                path: "/ci/acme/scim-harness.toml".into(),
                ..Config::default()
            }
        );
    }

    #[test]
    fn an_unknown_key_is_located_with_a_did_you_mean_and_its_value_masked() {
        let d = one_error("target = \"http://127.0.0.1:1/scim/v2\"\njbos = \"hunter2-secret\"\n");
        assert_eq!((d.location.line, d.location.column), (2, 1), "{d}");
        assert_eq!(d.message, "unknown key `jbos`");
        let out = d.render(false);
        assert!(out.contains("/ci/acme/scim-harness.toml:2:1"), "{out}");
        assert!(out.contains("did you mean `jobs`?"), "{out}");
        assert!(out.contains("jbos = …"), "{out}");
        assert!(!out.contains("hunter2"), "{out}");

        let d = one_error("[report]\nformat = [\"json\"]\n");
        assert_eq!((d.location.line, d.location.column), (2, 1), "{d}");
        assert!(d.render(false).contains("did you mean `formats`?"), "{d}");

        let e = parse_text(
            "jbos = 1\n[report]\nformat = []\ndri = \"x\"\n[snapshot]\nmod = \"check\"\n",
        )
        .unwrap_err();
        let at: Vec<(u64, &str)> = e
            .iter()
            .map(|d| (d.location.line, d.message.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                (1, "unknown key `jbos`"),
                (3, "unknown key `format`"),
                (4, "unknown key `dri`"),
                (6, "unknown key `mod`")
            ]
        );
        // Dotted keys and inline tables are checked too.
        let d = one_error("report.fromats = []\n");
        assert!(d.render(false).contains("did you mean `formats`?"), "{d}");
        let d = one_error("snapshot = { mdoe = \"check\" }\n");
        assert!(d.render(false).contains("did you mean `mode`?"), "{d}");

        let d = one_error("[reprot]\ndir = \"x\"\n");
        assert_eq!(d.location.line, 1, "{d}");
        assert!(d.render(false).contains("did you mean `report`?"), "{d}");
    }

    #[test]
    fn a_token_is_refused_and_never_shown() {
        let d = one_error("target = \"https://a.example/scim/v2\"\ntoken = \"s3cr3t-value-123\"\n");
        assert_eq!(d.location.line, 2, "{d}");
        let out = d.render(false);
        assert!(
            out.contains("must not be written in the config file"),
            "{out}"
        );
        assert!(out.contains("token_env"), "{out}");
        assert!(!out.contains("s3cr3t"), "{out}");
        // A syntax error in a file holding a token does not show the line either.
        let d = one_error("token = \"s3cr3t-value-123\nx = 1\n");
        assert!(!d.render(false).contains("s3cr3t"), "{d}");
    }

    #[test]
    fn bad_values_are_located_and_all_reported() {
        let e = parse_text(
            "jobs = 0\ntimeout = -1\ntoken_env = \"abc def\"\nforce_features = [\"sortt\"]\n[report]\nformats = [\"json\", \"pdf\"]\n[snapshot]\nmode = \"updat\"\n",
        )
        .unwrap_err();
        let rendered: Vec<String> = e.iter().map(|d| d.render(false)).collect();
        let all = rendered.join("\n");
        assert_eq!(e.len(), 6, "{all}");
        assert!(
            all.contains("jobs must be between 1 and 64, got 0"),
            "{all}"
        );
        assert!(all.contains("scim-harness.toml:1:8"), "{all}");
        assert!(all.contains("timeout must be a number of seconds"), "{all}");
        assert!(
            all.contains("`abc def` is not an environment variable name"),
            "{all}"
        );
        assert!(
            all.contains("unknown force_features value `sortt`"),
            "{all}"
        );
        assert!(all.contains("did you mean `sort`?"), "{all}");
        assert!(all.contains("unknown formats value `pdf`"), "{all}");
        assert!(all.contains("scim-harness.toml:6:20"), "{all}");
        assert!(all.contains("did you mean `update`?"), "{all}");
    }

    #[test]
    fn wrong_types_and_syntax_errors_are_located() {
        let d = one_error("jobs = \"four\"\n");
        assert_eq!((d.location.line, d.location.column), (1, 8), "{d}");
        assert!(d.message.contains("invalid type"), "{d}");
        let d = one_error("target = \"http://x\n");
        assert_eq!(d.location.line, 1, "{d}");
        assert!(d.render(false).contains("TOML"), "{d}");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncdé = 1", 3), (2, 1));
        assert_eq!(line_column("ab\ncdé = 1", 8), (2, 5));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
