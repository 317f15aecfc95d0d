//! Generated contracts do not drift: `schemas/scenario.schema.json` and
//! `schemas/report.schema.json` equal what the code generates, and every scenario file
//! validates against the committed scenario schema.

use std::path::Path;

use scim_harness::contracts::{profile_schema, report_schema, scenario_schema};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn assert_matches_committed(file: &str, generated: &str, which: &str) {
    let path = root().join(file);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        if std::env::var_os("SCIM_HARNESS_UPDATE_SCHEMAS").is_some() {
            std::fs::write(&path, generated).unwrap();
            return;
        }
        panic!(
            "{file} is out of date with the Rust types.\nRegenerate it with:\n  cargo run -q -- schema {which} > {file}\n(or run the tests with SCIM_HARNESS_UPDATE_SCHEMAS=1)"
        );
    }
}

#[test]
fn scenario_schema_is_up_to_date() {
    assert_matches_committed(
        "schemas/scenario.schema.json",
        &scenario_schema(),
        "scenario",
    );
}

#[test]
fn profile_schema_is_up_to_date() {
    assert_matches_committed("schemas/profile.schema.json", &profile_schema(), "profile");
}

#[test]
fn report_schema_is_up_to_date() {
    assert_matches_committed("schemas/report.schema.json", &report_schema(), "report");
}

#[test]
fn every_scenario_file_validates_against_the_scenario_schema() {
    let schema: serde_json::Value = serde_json::from_str(&scenario_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let profile: serde_json::Value = serde_json::from_str(&profile_schema()).unwrap();
    let profile_validator = jsonschema::validator_for(&profile).unwrap();
    let mut checked = 0;
    let mut dirs = vec![root().join("scenarios")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let doc: serde_json::Value = serde_saphyr::from_str_with_options(
                    &text,
                    serde_saphyr::options! { strict_booleans: true },
                )
                .unwrap();
                let is_profile = path.file_name().is_some_and(|n| n == "_profile.yaml");
                let errors: Vec<String> = if is_profile {
                    &profile_validator
                } else {
                    &validator
                }
                .iter_errors(&doc)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
                assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "only {checked} scenario files found");
}

#[test]
fn a_misspelled_field_fails_schema_validation_too() {
    let schema: serde_json::Value = serde_json::from_str(&scenario_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc = serde_json::json!({"name": "x", "steps": [{"name": "a", "request": {"method": "GET", "path": "/Users"}, "expcet": []}]});
    assert!(!validator.is_valid(&doc));
}
