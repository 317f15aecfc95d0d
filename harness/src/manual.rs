//! The tool's own manual, generated from the command-line definition so it never drifts:
//! shell completion scripts (clap_complete) and man pages (clap_mangen).

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The completion script for `shell`, for `scim-harness` and every subcommand and flag.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "scim-harness", &mut out);
    out
}

/// The `scim-harness(1)` man page (roff): synopsis, options and the subcommands.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(out)
}

/// Writes `scim-harness.1` and one page per subcommand (`scim-harness-run.1`, …) into
/// `dir` (created if missing), returning the paths written, sorted.
pub fn write_man_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)?;
    let mut written: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "1")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("scim-harness"))
        })
        .collect();
    written.sort();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_name_the_subcommands_and_flags_in_each_shell() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = String::from_utf8(completions(shell)).unwrap();
            for word in ["scim-harness", "explain", "report-dir", "token-env"] {
                assert!(script.contains(word), "{shell:?} lacks {word}");
            }
        }
        let bash = String::from_utf8(completions(Shell::Bash)).unwrap();
        assert!(bash.contains("complete -F _scim__harness"), "{bash}");
        let fish = String::from_utf8(completions(Shell::Fish)).unwrap();
        assert!(fish.contains("complete -c scim-harness"), "{fish}");
    }

    #[test]
    fn man_page_is_roff_with_the_subcommands() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{}", &page[..80]);
        assert!(page.contains(".TH scim-harness 1"), "{page}");
        assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
        assert!(page.contains("scim\\-harness\\-explain(1)"), "{page}");

        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("man1");
        let written = write_man_pages(&dir).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for name in [
            "scim-harness.1",
            "scim-harness-run.1",
            "scim-harness-explain.1",
        ] {
            assert!(names.iter().any(|n| n == name), "{names:?}");
        }
        let run = std::fs::read_to_string(dir.join("scim-harness-run.1")).unwrap();
        assert!(run.contains("\\-\\-report\\-dir"), "{run}");
    }
}
