//! A test that keeps every source file of the harness and the reference server short
//! enough to read in one sitting: at most [`LIMIT`] lines before the file's first
//! `#[cfg(test)]` line (unit tests below it do not count). Test files (`tests.rs`, anything
//! in a `tests/` directory, the report `fixture.rs`) are not held to it.

/// Lines a source file may have before its first `#[cfg(test)]` line.
const LIMIT: usize = 650;

/// Files over [`LIMIT`] while they are being split, with the count they may not grow
/// past. An entry whose file has come within the limit fails the test, so the list only
/// ever shrinks. Empty: every file is within the limit.
const OVER_LIMIT: &[(&str, usize)] = &[];

/// Lines before the first `#[cfg(test)]` line (all lines when there is none).
fn code_lines(text: &str) -> usize {
    text.lines()
        .position(|line| line.trim_start().starts_with("#[cfg(test)]"))
        .unwrap_or_else(|| text.lines().count())
}

/// Test code, held to no limit: `tests.rs`, files in a `tests/` directory, `fixture.rs`.
fn is_test_file(relative: &str) -> bool {
    let mut parts = relative.split('/').rev();
    let name = parts.next().unwrap_or_default();
    matches!(name, "tests.rs" | "fixture.rs") || parts.any(|dir| dir == "tests")
}

/// What breaks the limit in `(path, text)` sources: files over it (with their counts), files
/// of [`OVER_LIMIT`] that grew, and entries of [`OVER_LIMIT`] no longer needed.
fn problems(sources: &[(String, String)], over_limit: &[(&str, usize)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in sources {
        if is_test_file(path) {
            continue;
        }
        let lines = code_lines(text);
        let allowed = over_limit.iter().find(|(p, _)| p == path).map(|(_, n)| *n);
        match allowed {
            Some(ceiling) if lines > ceiling => out.push(format!(
                "{path}: {lines} lines before #[cfg(test)], more than the {ceiling} it had when it was listed in OVER_LIMIT"
            )),
            Some(_) if lines <= LIMIT => out.push(format!(
                "{path}: {lines} lines, now within the limit of {LIMIT}: remove it from OVER_LIMIT"
            )),
            Some(_) => {}
            None if lines > LIMIT => out.push(format!(
                "{path}: {lines} lines before #[cfg(test)] (limit {LIMIT}): split it by job"
            )),
            None => {}
        }
    }
    for (path, _) in over_limit {
        if !sources.iter().any(|(p, _)| p == path) {
            out.push(format!("{path}: listed in OVER_LIMIT but not found"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{LIMIT, OVER_LIMIT, code_lines, is_test_file, problems};

    /// Every `.rs` file below `dir`, as `(path relative to the workspace, text)`.
    fn sources(workspace: &Path, dir: &str, out: &mut Vec<(String, String)>) {
        let mut pending = vec![workspace.join(dir)];
        while let Some(dir) = pending.pop() {
            let entries = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
            for entry in entries {
                let path = entry.expect("directory entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let relative = path.strip_prefix(workspace).expect("below the workspace");
                    let text = std::fs::read_to_string(&path)
                        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                    out.push((relative.to_string_lossy().replace('\\', "/"), text));
                }
            }
        }
    }

    #[test]
    fn every_source_file_stays_within_the_line_limit() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the harness crate lives in the workspace");
        let mut harness = Vec::new();
        sources(workspace, "harness/src", &mut harness);
        let mut server = Vec::new();
        sources(workspace, "reference-server/src", &mut server);
        assert!(harness.len() > 50, "found only {} files", harness.len());
        assert!(server.len() > 20, "found only {} files", server.len());
        let mut all = harness;
        all.append(&mut server);
        all.sort();
        let found = problems(&all, OVER_LIMIT);
        assert!(
            found.is_empty(),
            "source files over {LIMIT} lines before their tests (see harness/src/file_size.rs):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn lines_are_counted_up_to_the_first_cfg_test() {
        assert_eq!(code_lines("a\nb\n#[cfg(test)]\nmod tests;\n"), 2);
        assert_eq!(code_lines("a\n    #[cfg(test)]\n    fn t() {}\n"), 1);
        assert_eq!(code_lines("a\nb\nc"), 3);
        assert_eq!(code_lines(""), 0);
    }

    #[test]
    fn test_files_are_not_held_to_the_limit() {
        assert!(is_test_file("reference-server/src/service/tests.rs"));
        assert!(is_test_file(
            "reference-server/src/service/tests/protocol.rs"
        ));
        assert!(is_test_file("harness/src/report/fixture.rs"));
        assert!(!is_test_file("harness/src/exec/runner.rs"));
        assert!(!is_test_file("harness/src/report/tests_helper.rs"));
    }

    #[test]
    fn long_files_grown_exceptions_and_stale_exceptions_are_reported() {
        let long = "x\n".repeat(LIMIT + 1);
        let short = "x\n".repeat(LIMIT);
        let with_tests = format!("{short}#[cfg(test)]\n{long}");
        let sources = [
            ("harness/src/long.rs", long.clone()),
            ("harness/src/short.rs", short.clone()),
            ("harness/src/with_tests.rs", with_tests),
            ("harness/src/x/tests.rs", long.clone()),
            ("harness/src/x/tests/more.rs", long.clone()),
            ("harness/src/report/fixture.rs", long.clone()),
            ("harness/src/listed.rs", long.clone()),
            ("harness/src/grown.rs", long.clone()),
            ("harness/src/done.rs", short),
        ]
        .map(|(p, t)| (p.to_string(), t));
        let over = [
            ("harness/src/listed.rs", LIMIT + 1),
            ("harness/src/grown.rs", LIMIT),
            ("harness/src/done.rs", LIMIT + 5),
            ("harness/src/gone.rs", LIMIT + 5),
        ];
        assert_eq!(
            problems(&sources, &over),
            [
                format!(
                    "harness/src/long.rs: {} lines before #[cfg(test)] (limit {LIMIT}): split it by job",
                    LIMIT + 1
                ),
                format!(
                    "harness/src/grown.rs: {} lines before #[cfg(test)], more than the {LIMIT} it had when it was listed in OVER_LIMIT",
                    LIMIT + 1
                ),
                format!(
                    "harness/src/done.rs: {LIMIT} lines, now within the limit of {LIMIT}: remove it from OVER_LIMIT"
                ),
                "harness/src/gone.rs: listed in OVER_LIMIT but not found".to_string(),
            ]
        );
    }
}
