//! Generated contracts: the JSON Schemas of the scenario format and of `report.json`,
//! derived from the Rust types so they cannot drift (a test compares them with the
//! committed files under `schemas/`).

use schemars::schema_for;

use crate::run_report::RunReport;
use crate::scenario::model::Scenario;
use crate::scenario::profile::Profile;

/// `schemas/scenario.schema.json`: what editors use to complete and validate scenario files.
pub fn scenario_schema() -> String {
    render(
        serde_json::to_value(schema_for!(Scenario)).unwrap_or_default(),
        "https://scim-harness.invalid/schemas/scenario.schema.json",
    )
}

/// `schemas/profile.schema.json`: an IdP profile (`_profile.yaml`).
pub fn profile_schema() -> String {
    render(
        serde_json::to_value(schema_for!(Profile)).unwrap_or_default(),
        "https://scim-harness.invalid/schemas/profile.schema.json",
    )
}

/// `schemas/report.schema.json`: the contract for consumers of `report.json`.
pub fn report_schema() -> String {
    render(
        serde_json::to_value(schema_for!(RunReport)).unwrap_or_default(),
        "https://scim-harness.invalid/schemas/report.schema.json",
    )
}

fn render(mut schema: serde_json::Value, id: &str) -> String {
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("$id".into(), serde_json::Value::String(id.into()));
    }
    let mut out = serde_json::to_string_pretty(&schema).unwrap_or_default();
    out.push('\n');
    out
}
