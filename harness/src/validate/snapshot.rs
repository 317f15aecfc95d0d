//! Behaviour snapshots: each step's response, normalized (ids, timestamps, versions,
//! locations and run-scoped values redacted, keys sorted, and what the RFC leaves open put
//! in one canonical order — see [`normalize`]), stored under
//! `snapshots/<target>/<scenario>/NN-step.snap` in insta's file format, so a vendor's CI fails
//! when the server's behaviour drifts and a person reviews the change like code
//! (`cargo insta review --workspace-root .` from a checkout, or `--snapshot update`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Whether to compare with stored snapshots or rewrite them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SnapshotMode {
    /// Fail when a response differs from its stored snapshot (or none is stored).
    Check,
    /// Write every snapshot anew.
    Update,
}

/// Where snapshots of one target live, and what to do with them.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    /// `snapshots/<target>`.
    pub dir: PathBuf,
    /// Check or update.
    pub mode: SnapshotMode,
}

/// The result of comparing one step with its snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotResult {
    /// Same as stored.
    Unchanged,
    /// Written (update mode, or changed content in update mode).
    Written,
    /// No snapshot stored yet (check mode); a `.snap.new` was written next to where it belongs.
    Missing,
    /// Differs; the unified diff (stored → now). A `.snap.new` holds the new content.
    Changed(String),
}

impl SnapshotStore {
    /// The file of one step: `<dir>/<scenario id>/<NN>-<step slug>.snap`.
    pub fn path_of(&self, scenario_id: &str, step_index: usize, step_name: &str) -> PathBuf {
        self.dir
            .join(scenario_id)
            .join(format!("{:02}-{}.snap", step_index + 1, slug(step_name)))
    }

    /// Compares (or writes) one step's normalized response.
    pub fn record(
        &self,
        path: &Path,
        source: &str,
        expression: &str,
        content: &str,
    ) -> std::io::Result<SnapshotResult> {
        let file = format!(
            "---\nsource: {}\nexpression: {}\n---\n{content}",
            yaml_str(source),
            yaml_str(expression)
        );
        let stored = std::fs::read_to_string(path).ok();
        let stored_body = stored.as_deref().map(body_of);
        if stored_body.as_deref() == Some(content) {
            return Ok(SnapshotResult::Unchanged);
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match self.mode {
            SnapshotMode::Update => {
                std::fs::write(path, file)?;
                let _ = std::fs::remove_file(pending(path));
                Ok(SnapshotResult::Written)
            }
            SnapshotMode::Check => {
                std::fs::write(pending(path), file)?;
                Ok(match stored_body {
                    None => SnapshotResult::Missing,
                    Some(old) => SnapshotResult::Changed(diff(&old, content)),
                })
            }
        }
    }
}

fn pending(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".new");
    PathBuf::from(p)
}

/// The content below the insta header (`---` … `---`).
fn body_of(file: &str) -> String {
    let mut parts = file.splitn(3, "---\n");
    match (parts.next(), parts.next(), parts.next()) {
        (Some(""), Some(_header), Some(body)) => body.to_string(),
        _ => file.to_string(),
    }
}

fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header("stored", "now")
        .to_string()
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `deactivate with PATCH` → `deactivate-with-patch`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// A response as snapshot text: status, media type, and the body with volatile values
/// redacted. `known` maps run-specific strings (captured ids, the run id) to placeholders.
///
/// What the RFC leaves to the server does not count as drift, so it is put in one
/// canonical order before comparing:
/// * the order of list results, unless the request asked for it (`sorted`: a `sortBy`,
///   RFC 7644 §3.4.2.3) — `Resources` is ordered by each element's normalized text; and
///   which resources a page of unsorted results holds, when it holds fewer than
///   `totalResults` (RFC 7644 §3.4.2.4: clients should never assume repeatable results) —
///   such a page is compared by shape: every string value becomes `[string]`;
/// * the order of multi-valued attribute values (RFC 7643 §2.4: values are told apart by
///   value, type and primary, not by position) — every other array is ordered the same way,
///   except a bulk response's `Operations`, which answer the request's operations in turn;
/// * headers: only the media type is kept (lower case, without parameters such as
///   `charset`), so the order, casing and presence of other headers never drift.
pub fn normalize(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    known: &BTreeMap<String, String>,
    sorted_results: bool,
) -> String {
    let mut out = format!("status: {status}\n");
    if let Some(ct) = content_type {
        out.push_str(&format!(
            "content-type: {}\n",
            ct.split(';')
                .next()
                .unwrap_or(ct)
                .trim()
                .to_ascii_lowercase()
        ));
    }
    if body.is_empty() {
        out.push_str("body: none\n");
        return out;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            let v = canonical_order(sorted(redact(&v, None, known)), None, sorted_results);
            out.push_str(&serde_json::to_string_pretty(&v).unwrap_or_default());
            out.push('\n');
        }
        Err(_) => {
            out.push_str(&replace_known(&String::from_utf8_lossy(body), known));
            out.push('\n');
        }
    }
    out
}

/// Attributes whose `value` is the id of another resource (RFC 7643 §4.1.2, §4.2, §4.3).
const REFERENCES: [&str; 3] = ["members", "groups", "manager"];

fn redact(v: &Value, key: Option<&str>, known: &BTreeMap<String, String>) -> Value {
    match v {
        Value::Object(map) => {
            let reference =
                key.is_some_and(|k| REFERENCES.iter().any(|r| k.eq_ignore_ascii_case(r)));
            Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        // A reference's value is an id, whatever its format (opaque ids are
                        // not UUID-shaped): redacted like `id`.
                        let key = if reference && k.eq_ignore_ascii_case("value") {
                            "id"
                        } else {
                            k
                        };
                        (k.clone(), redact(v, Some(key), known))
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| redact(i, key, known)).collect()),
        Value::String(s) => {
            let placeholder = match key.map(str::to_ascii_lowercase).as_deref() {
                Some("created" | "lastmodified") => Some("[timestamp]"),
                Some("version") => Some("[version]"),
                Some("location" | "$ref") => Some("[url]"),
                _ => None,
            };
            match placeholder {
                Some(p) => Value::String(p.into()),
                None => {
                    let mut replaced = replace_known(s, known);
                    if key.is_some_and(|k| k.eq_ignore_ascii_case("detail")) {
                        replaced = STRONG_ETAG.replace_all(&replaced, "[version]").into_owned();
                    }
                    if replaced == *s && key.is_some_and(|k| k.eq_ignore_ascii_case("id")) {
                        Value::String("[id]".into())
                    } else {
                        Value::String(replaced)
                    }
                }
            }
        }
        other => other.clone(),
    }
}

/// UUID-shaped values (with or without dashes): ids the scenario never captured, such as
/// `{{uuid}}` used inline or ids in error details.
static UUID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    )
    .expect("valid regex")
});

fn replace_known(s: &str, known: &BTreeMap<String, String>) -> String {
    // Longest first, so an id containing the run id is replaced whole.
    let mut pairs: Vec<(&String, &String)> = known.iter().filter(|(k, _)| k.len() >= 4).collect();
    pairs.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let mut out = s.to_string();
    for (value, name) in pairs {
        if out.contains(value.as_str()) {
            out = out.replace(value.as_str(), name);
        }
    }
    let out = UUID.replace_all(&out, "[uuid]");
    ETAG.replace_all(&out, "[version]").into_owned()
}

/// Entity tags inside text (`W/"68"`, e.g. in a 412 error detail): versions change every run.
static ETAG: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"W/"[0-9a-zA-Z._-]{1,64}""#).expect("valid regex")
});

/// Strong entity tags quoted in an error `detail` (`"68"`, `"5d-1a2b"`): a quoted token
/// with a digit in it. Only in `detail`, where servers name the versions that clashed.
static STRONG_ETAG: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#""[0-9A-Za-z._:+/=-]{0,63}[0-9][0-9A-Za-z._:+/=-]{0,63}""#)
        .expect("valid regex")
});

fn sorted(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Whether a request asks for its results in an order: a `sortBy` in the query or in a
/// SearchRequest body (names matched case-insensitively).
pub fn asks_for_order(query: &[(String, String)], body: Option<&[u8]>) -> bool {
    query.iter().any(|(k, _)| k.eq_ignore_ascii_case("sortBy"))
        || body
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .and_then(|v| {
                v.as_object()
                    .map(|o| o.keys().any(|k| k.eq_ignore_ascii_case("sortBy")))
            })
            .unwrap_or(false)
}

/// Orders arrays whose order the RFC leaves open by their elements' normalized text,
/// innermost first (see [`normalize`]). `key` is the array's attribute name; the top-level
/// `Resources` keeps its order when the results were sorted on request.
fn canonical_order(v: Value, key: Option<&str>, sorted_results: bool) -> Value {
    match v {
        Value::Object(map) => {
            let partial = !sorted_results && is_partial_page(&map);
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let inner = if k.eq_ignore_ascii_case("Resources") {
                            let v = if partial { shape(v) } else { v };
                            canonical_resources(v, sorted_results)
                        } else {
                            canonical_order(v, Some(&k), false)
                        };
                        (k, inner)
                    })
                    .collect(),
            )
        }
        Value::Array(items) => {
            let mut items: Vec<Value> = items
                .into_iter()
                .map(|i| canonical_order(i, None, false))
                .collect();
            if !key.is_some_and(|k| k.eq_ignore_ascii_case("Operations")) {
                items.sort_by_cached_key(Value::to_string);
            }
            Value::Array(items)
        }
        other => other,
    }
}

/// Whether a ListResponse holds fewer resources than `totalResults` says match.
fn is_partial_page(map: &serde_json::Map<String, Value>) -> bool {
    let get = |name: &str| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    match (
        get("totalResults").and_then(Value::as_u64),
        get("Resources").and_then(Value::as_array),
    ) {
        (Some(total), Some(items)) => (items.len() as u64) < total,
        _ => false,
    }
}

/// The value with every string replaced by `[string]`: its shape, not which resource.
fn shape(v: Value) -> Value {
    match v {
        Value::String(_) => Value::String("[string]".into()),
        Value::Array(items) => Value::Array(items.into_iter().map(shape).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, shape(v))).collect()),
        other => other,
    }
}

/// A ListResponse's `Resources`: each resource canonical, the list in canonical order
/// unless the request sorted it.
fn canonical_resources(v: Value, sorted_results: bool) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items
                .into_iter()
                .map(|i| canonical_order(i, None, false))
                .collect();
            if !sorted_results {
                items.sort_by_cached_key(Value::to_string);
            }
            Value::Array(items)
        }
        other => canonical_order(other, Some("Resources"), false),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn known() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("u-123456".to_string(), "[user_id]".to_string()),
            ("abcdef0123".to_string(), "[run]".to_string()),
        ])
    }

    #[test]
    fn normalization_redacts_volatile_values_and_sorts_keys() {
        let body = json!({
            "userName": "alice.abcdef0123@example.test",
            "id": "u-123456",
            "meta": {"created": "2026-01-01T00:00:00Z", "version": "W/\"3\"", "location": "http://127.0.0.1:5555/Users/u-123456", "resourceType": "User"},
            "groups": [{"value": "g-unknown", "$ref": "http://x/Groups/g"}],
            "emails": [{"value": "a@b.test"}]
        });
        let text = normalize(
            201,
            Some("application/scim+json; charset=utf-8"),
            &serde_json::to_vec(&body).unwrap(),
            &known(),
            false,
        );
        assert!(
            text.starts_with("status: 201\ncontent-type: application/scim+json\n{"),
            "{text}"
        );
        assert!(text.contains("\"id\": \"[user_id]\""), "{text}");
        assert!(
            text.contains("\"userName\": \"alice.[run]@example.test\""),
            "{text}"
        );
        assert!(text.contains("\"created\": \"[timestamp]\""), "{text}");
        assert!(text.contains("\"location\": \"[url]\""), "{text}");
        // A reference's value is an id the scenario never captured: redacted like `id`.
        assert!(text.contains("\"value\": \"[id]\""), "{text}");
        let emails = text.find("\"emails\"").unwrap();
        let user_name = text.find("\"userName\"").unwrap();
        assert!(emails < user_name, "keys are sorted: {text}");
    }

    #[test]
    fn uncaptured_uuids_are_redacted_anywhere() {
        let text = normalize(
            404,
            None,
            br#"{"detail":"User '4c23a0aa-93cc-4596-bc69-c9f70916050e' not found"}"#,
            &BTreeMap::new(),
            false,
        );
        assert!(text.contains("User '[uuid]' not found"), "{text}");
    }

    #[test]
    fn entity_tags_in_text_are_redacted() {
        let text = normalize(
            412,
            None,
            br#"{"detail":"If-Match does not match the current version W/\"68\""}"#,
            &BTreeMap::new(),
            false,
        );
        assert!(text.contains("current version [version]"), "{text}");
    }

    #[test]
    fn unknown_ids_are_redacted_by_key() {
        let text = normalize(200, None, br#"{"id":"zzz-999"}"#, &BTreeMap::new(), false);
        assert!(text.contains("\"id\": \"[id]\""), "{text}");
        // Opaque ids in references, too; other values stay.
        let body = json!({
            "members": [{"value": "100042", "display": "Ann"}],
            "groups": [{"value": "grp_100043"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "7"}},
            "emails": [{"value": "a@b.test"}]
        });
        let text = normalize(
            200,
            None,
            &serde_json::to_vec(&body).unwrap(),
            &BTreeMap::new(),
            false,
        );
        assert!(
            !text.contains("100042") && !text.contains("grp_100043"),
            "{text}"
        );
        assert!(!text.contains("\"7\""), "{text}");
        assert!(
            text.contains("\"Ann\"") && text.contains("a@b.test"),
            "{text}"
        );
    }

    #[test]
    fn strong_entity_tags_in_error_details_are_redacted() {
        let text = normalize(
            412,
            None,
            br#"{"detail":"If-Match \"5\" does not match the current version \"7a-b9\"; attribute \"userName\"","scimType":"x"}"#,
            &BTreeMap::new(),
            false,
        );
        assert!(
            text.contains(r#"If-Match [version] does not match the current version [version]; attribute \"userName\""#),
            "{text}"
        );
    }

    fn snap(body: Value, sorted: bool) -> String {
        normalize(
            200,
            Some("Application/SCIM+json; charset=UTF-8"),
            &serde_json::to_vec(&body).unwrap(),
            &BTreeMap::new(),
            sorted,
        )
    }

    #[test]
    fn what_the_rfc_leaves_open_does_not_drift() {
        let list = |order: [usize; 3], emails_reversed: bool| {
            let people = ["ann", "bob", "cy"];
            let mut emails = vec![
                json!({"value": "w@x.test", "type": "work", "primary": true}),
                json!({"value": "h@x.test", "type": "home"}),
            ];
            if emails_reversed {
                emails.reverse();
            }
            let resources: Vec<Value> = order
                .iter()
                .map(|i| json!({"userName": people[*i], "emails": emails.clone()}))
                .collect();
            json!({"totalResults": 3, "Resources": resources,
                   "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]})
        };
        // Unsorted results and multi-valued values in another order: the same snapshot.
        let a = snap(list([0, 1, 2], false), false);
        assert_eq!(a, snap(list([2, 0, 1], true), false));
        assert!(a.starts_with("status: 200\ncontent-type: application/scim+json\n"));
        // Results sorted on request keep their order, so a wrong order still drifts...
        assert_ne!(
            snap(list([0, 1, 2], false), true),
            snap(list([2, 0, 1], false), true)
        );
        // ...while their values' order still does not.
        assert_eq!(
            snap(list([0, 1, 2], false), true),
            snap(list([0, 1, 2], true), true)
        );
        // A real change drifts.
        let mut changed = list([0, 1, 2], false);
        changed["Resources"][1]["emails"][1]["type"] = json!("other");
        assert_ne!(a, snap(changed, false));
        // Which resources an unsorted partial page holds is the server's choice; their
        // shape is not.
        let page = |name: &str, active: bool| json!({"totalResults": 3, "Resources": [{"userName": name, "active": active}]});
        assert_eq!(
            snap(page("ann", true), false),
            snap(page("cy", true), false)
        );
        assert_ne!(
            snap(page("ann", true), false),
            snap(page("ann", false), false)
        );
        assert_ne!(snap(page("ann", true), true), snap(page("cy", true), true));
        // A bulk response's operations answer the request's in turn: order kept.
        let ops = |first: &str, second: &str| json!({"Operations": [{"bulkId": first, "status": "201"}, {"bulkId": second, "status": "201"}]});
        assert_ne!(snap(ops("a", "b"), false), snap(ops("b", "a"), false));
    }

    #[test]
    fn sort_requests_are_recognised() {
        let q = |k: &str| vec![(k.to_string(), "userName".to_string())];
        assert!(asks_for_order(&q("sortBy"), None));
        assert!(asks_for_order(&q("SORTBY"), None));
        assert!(!asks_for_order(&q("filter"), None));
        assert!(asks_for_order(&[], Some(br#"{"sortBy": "userName"}"#)));
        assert!(!asks_for_order(&[], Some(br#"{"filter": "x"}"#)));
        assert!(!asks_for_order(&[], Some(b"not json")));
    }

    #[test]
    fn check_mode_reports_missing_then_changed_and_update_writes() {
        let dir = tempfile::tempdir().unwrap();
        let check = SnapshotStore {
            dir: dir.path().to_path_buf(),
            mode: SnapshotMode::Check,
        };
        let update = SnapshotStore {
            mode: SnapshotMode::Update,
            ..check.clone()
        };
        let path = check.path_of("core/users", 1, "Create a user!");
        assert!(
            path.ends_with("core/users/02-create-a-user.snap"),
            "{}",
            path.display()
        );
        assert_eq!(
            check
                .record(&path, "s.yaml", "POST /Users", "status: 201\n")
                .unwrap(),
            SnapshotResult::Missing
        );
        assert!(pending(&path).exists());
        assert_eq!(
            update
                .record(&path, "s.yaml", "POST /Users", "status: 201\n")
                .unwrap(),
            SnapshotResult::Written
        );
        assert!(!pending(&path).exists());
        assert_eq!(
            check
                .record(&path, "s.yaml", "POST /Users", "status: 201\n")
                .unwrap(),
            SnapshotResult::Unchanged
        );
        match check
            .record(&path, "s.yaml", "POST /Users", "status: 200\n")
            .unwrap()
        {
            SnapshotResult::Changed(diff) => {
                assert!(
                    diff.contains("-status: 201") && diff.contains("+status: 200"),
                    "{diff}"
                );
            }
            other => panic!("{other:?}"),
        }
        let stored = std::fs::read_to_string(&path).unwrap();
        assert!(
            stored.starts_with(
                "---\nsource: \"s.yaml\"\nexpression: \"POST /Users\"\n---\nstatus: 201\n"
            ),
            "{stored}"
        );
    }
}
