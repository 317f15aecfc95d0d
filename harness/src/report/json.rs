//! `report.json`: the run report serialized as pretty JSON (see `schemas/report.schema.json`).

use super::ReportError;
use crate::run_report::RunReport;

/// The report as pretty-printed JSON with a trailing newline.
pub(super) fn render(report: &RunReport) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn json_snapshot() {
        let text = render(&fixture::report()).unwrap();
        insta::assert_snapshot!("json", text);
    }

    #[test]
    fn json_round_trips_as_a_value_with_the_format_version_first() {
        let text = render(&fixture::report()).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let obj = value.as_object().unwrap();
        assert_eq!(
            obj.keys().next().map(String::as_str),
            Some("format_version")
        );
        assert_eq!(obj["verdict"], "failed");
        assert_eq!(obj["scenarios"].as_array().unwrap().len(), 3);
    }
}
