//! `--report har`: the run's exchanges as an HTTP Archive 1.2, checked against the HAR 1.2
//! JSON Schema (`tests/fixtures/har/har-1.2.schema.json`, written from the spec) and for
//! what devtools need to load it. The token never reaching it is checked with every other
//! format in `safety.rs`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::scenarios_dir;

fn har_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/har/har-1.2.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the HAR schema compiles")
}

fn errors(validator: &jsonschema::Validator, har: &Value) -> Vec<String> {
    validator
        .iter_errors(har)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn a_run_written_as_har_is_valid_har_1_2_with_every_exchange() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = scenarios_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_scim-harness"))
        .args([
            "run",
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--filter",
            "lifecycle",
            "--report",
            "har,json",
            "--report-dir",
            "out",
            "--no-progress",
        ])
        .current_dir(tmp.path())
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("SCIM_HARNESS_TARGET")
        .output()
        .unwrap();
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out").join(name)).unwrap())
            .unwrap()
    };
    let (har, report) = (read("report.har"), read("report.json"));

    let validator = har_validator();
    assert_eq!(errors(&validator, &har), Vec::<String>::new());

    // Every exchange the run sent is an entry, in order (a step's first attempt first).
    let mut sent = Vec::new();
    for scenario in report["scenarios"].as_array().unwrap() {
        for step in scenario["steps"].as_array().unwrap() {
            for exchange in [&step["first_attempt"], &step["exchange"]] {
                if exchange["started_at"].is_string() {
                    sent.push((
                        exchange["request"]["method"].clone(),
                        exchange["request"]["url"].clone(),
                    ));
                }
            }
        }
    }
    let entries = har["log"]["entries"].as_array().unwrap();
    assert!(entries.len() >= 10, "{} entries", entries.len());
    let recorded: Vec<_> = entries
        .iter()
        .map(|e| (e["request"]["method"].clone(), e["request"]["url"].clone()))
        .collect();
    assert_eq!(recorded, sent);

    // What devtools read: the time is the sum of the timings, request bodies are postData,
    // response bodies are content.text, and each entry belongs to a page.
    let page_ids: Vec<&Value> = har["log"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["id"])
        .collect();
    for e in entries {
        let t = &e["timings"];
        let sum: f64 = ["blocked", "dns", "connect", "send", "wait", "receive"]
            .iter()
            .filter_map(|k| t[k].as_f64())
            .filter(|v| *v >= 0.0)
            .sum();
        assert!((sum - e["time"].as_f64().unwrap()).abs() < 1e-6, "{e}");
        assert!(page_ids.contains(&&e["pageref"]), "{e}");
        let body = &e["request"]["postData"];
        if e["request"]["method"] == "POST" {
            assert!(body["text"].as_str().unwrap().contains("schemas"), "{e}");
            assert!(body["mimeType"].as_str().unwrap().contains("json"), "{e}");
        }
    }
    let create = entries
        .iter()
        .find(|e| e["request"]["method"] == "POST" && e["response"]["status"] == 201)
        .expect("a create");
    assert!(
        create["response"]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("\"id\"")
    );
    assert!(create["response"]["content"]["size"].as_u64().unwrap() > 0);
}

#[test]
fn the_schema_refuses_what_devtools_cannot_load() {
    let validator = har_validator();
    let valid: Value = serde_json::json!({
        "log": {
            "version": "1.2",
            "creator": { "name": "x", "version": "1" },
            "entries": [{
                "startedDateTime": "2025-01-01T12:00:00.100Z",
                "time": 1.5,
                "request": {
                    "method": "GET", "url": "http://127.0.0.1/x", "httpVersion": "HTTP/1.1",
                    "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0
                },
                "response": {
                    "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                    "headers": [], "content": { "size": 0, "mimeType": "" }, "redirectURL": "",
                    "headersSize": -1, "bodySize": 0
                },
                "cache": {},
                "timings": { "send": 0, "wait": 1.5, "receive": 0 },
                "_step": "custom fields start with an underscore"
            }]
        }
    });
    assert_eq!(errors(&validator, &valid), Vec::<String>::new());
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut har = valid.clone();
        edit(&mut har);
        errors(&validator, &har)
    };
    for (what, errs) in [
        (
            "no timings",
            broken(&|h| {
                h["log"]["entries"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("timings");
            }),
        ),
        (
            "a date that is not ISO 8601",
            broken(&|h| h["log"]["entries"][0]["startedDateTime"] = "yesterday".into()),
        ),
        (
            "a header without a value",
            broken(&|h| {
                h["log"]["entries"][0]["request"]["headers"] = serde_json::json!([{ "name": "a" }]);
            }),
        ),
        (
            "an unknown field without an underscore",
            broken(&|h| h["log"]["entries"][0]["step"] = "x".into()),
        ),
        (
            "no content mime type",
            broken(&|h| {
                h["log"]["entries"][0]["response"]["content"]
                    .as_object_mut()
                    .unwrap()
                    .remove("mimeType");
            }),
        ),
    ] {
        assert!(!errs.is_empty(), "{what} passed the schema");
    }
}
