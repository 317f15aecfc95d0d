//! The files built into the binary: the scenario set of `scenarios/` (see `build.rs`), so
//! an installed binary runs the full suite from any directory. Diagnostics and reports name
//! these files under [`SCENARIO_ROOT`] (`<embedded>/scenarios/core/user-lifecycle.yaml:3:5`).

/// The display path of the embedded scenario set.
pub const SCENARIO_ROOT: &str = "<embedded>/scenarios";

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded_scenarios.rs"));
}

/// The embedded scenario and profile files: path relative to `scenarios/` (with `/`), text.
pub fn scenario_files() -> &'static [(&'static str, &'static str)] {
    generated::SCENARIO_FILES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_set_is_the_checkouts_scenario_directory() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let files = scenario_files();
        assert!(files.len() > 100, "only {} files embedded", files.len());
        assert!(files.iter().any(|(p, _)| *p == "core/user-lifecycle.yaml"));
        assert!(files.iter().any(|(p, _)| p.ends_with("/_profile.yaml")));
        for (rel, text) in files {
            let on_disk = std::fs::read_to_string(root.join(rel)).unwrap();
            assert_eq!(*text, on_disk, "{rel} differs from the checkout");
        }
        let mut sorted = files.to_vec();
        sorted.sort();
        assert_eq!(sorted, files, "files are listed in path order");
    }
}
