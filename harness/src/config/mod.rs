//! The `scim-harness.toml` config file: where it is found, what it holds, and how it meets
//! the command line.
//!
//! It is found upward from the working directory (the first `scim-harness.toml` in it or a
//! parent, up to the filesystem root), or named with `--config FILE`; `--no-config` ignores
//! it. Precedence, per setting: command-line flag > environment variable > config file >
//! built-in default. `run` reads every key; `check`, `list`, `coverage` and `explain` read
//! `scenarios` and `suites`; `simulate`, `load` and `serve` read no config.

mod apply;
mod file;
mod template;

use std::path::{Path, PathBuf};

pub use apply::{Applied, apply_run, apply_select};
pub use file::{Config, load, parse};
pub use template::{InitError, TEMPLATE, write_template};

/// The config file's name.
pub const FILE_NAME: &str = "scim-harness.toml";

/// The first `scim-harness.toml` in `start` or one of its parents (a regular file or a link
/// to one), up to the filesystem root.
pub fn find_upward(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// Which config file applies: `--config FILE` (relative to `cwd`), none with `--no-config`,
/// else the nearest one upward from `cwd`.
pub fn locate(explicit: Option<&Path>, disabled: bool, cwd: &Path) -> Option<PathBuf> {
    if disabled {
        return None;
    }
    match explicit {
        Some(path) => Some(cwd.join(path)),
        None => find_upward(cwd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_file_upward_is_found_and_directories_of_that_name_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = tmp.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(tmp.path().join(FILE_NAME), "").unwrap();
        assert_eq!(find_upward(&deep), Some(tmp.path().join(FILE_NAME)));
        std::fs::write(tmp.path().join("a").join(FILE_NAME), "").unwrap();
        assert_eq!(
            find_upward(&deep),
            Some(tmp.path().join("a").join(FILE_NAME))
        );
        std::fs::create_dir_all(deep.join(FILE_NAME)).unwrap();
        assert_eq!(
            find_upward(&deep),
            Some(tmp.path().join("a").join(FILE_NAME))
        );
    }

    #[test]
    fn explicit_and_disabled_configs() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path();
        assert_eq!(
            locate(Some(Path::new("ci.toml")), false, cwd),
            Some(cwd.join("ci.toml"))
        );
        let elsewhere = tempfile::tempdir().unwrap();
        let absolute = elsewhere.path().join("h.toml");
        assert_eq!(locate(Some(&absolute), false, cwd), Some(absolute.clone()));
        assert_eq!(locate(Some(Path::new("ci.toml")), true, cwd), None);
        std::fs::write(tmp.path().join(FILE_NAME), "").unwrap();
        assert_eq!(locate(None, true, tmp.path()), None);
        assert_eq!(
            locate(None, false, tmp.path()),
            Some(tmp.path().join(FILE_NAME))
        );
    }
}
