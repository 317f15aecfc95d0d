//! The shapes of the IdPs' requests: the URNs, the [`Idp`] methods the simulation and the
//! load driver ask (each answered by the IdP's file under `idp/`: headers and query encoding
//! mirroring `scenarios/idp/<name>/_profile.yaml`, which a test keeps in step, lookup queries,
//! create bodies, and what the real IdP does when the target answers wrong), and the body
//! builders those files share (full-resource PUTs, PATCH operations, member lists, made-up
//! ids).
//!
//! Sources are `idp-behaviors.md` sections; shapes not found in any public documentation
//! or log are marked "reconstructed" here and in the transcript.

use serde_json::{Map, Value, json};

use super::Idp;
use super::directory::DirUser;
use crate::exec::pointer::resolve;
use crate::scenario::profile::QueryEncoding;

/// The core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension URN.
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The PatchOp message URN.
pub const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The SCIM 1.0 core URN Google lists next to the 2.0 one (§3, OBS snipe-it#12642).
pub const SCIM1_URN: &str = "urn:scim:schemas:core:1.0";
/// The non-RFC schema URN in Entra's documented group POST (§2.7, DOC).
pub const ADSCIM_GROUP_URN: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// The request shapes and consequences of each IdP, answered by its behaviour (one file per IdP
/// under `idp/`).
impl Idp {
    /// Headers on every request (profile `headers`).
    pub(crate) fn headers(self) -> Vec<(&'static str, &'static str)> {
        self.behaviour().headers()
    }

    /// Headers on requests with a body (profile `body_headers`).
    pub(crate) fn body_headers(self) -> Vec<(&'static str, &'static str)> {
        self.behaviour().body_headers()
    }

    /// Harness default headers this IdP does not send (profile `omit_headers`).
    pub(crate) fn omit_headers(self) -> Vec<&'static str> {
        self.behaviour().omit_headers()
    }

    /// How query values are encoded (profile `query_encoding`).
    pub(crate) fn query_encoding(self) -> QueryEncoding {
        self.behaviour().query_encoding()
    }

    /// The pre-create lookup's query for a `userName`.
    pub(crate) fn user_lookup_query(self, user_name: &str) -> Vec<(String, String)> {
        self.behaviour().user_lookup_query(user_name)
    }

    /// The group existence check before a push; `None` when the IdP pushes no groups.
    pub(crate) fn group_lookup_query(self, display_name: &str) -> Option<Vec<(String, String)>> {
        let groups = self.behaviour().groups().ok()?;
        Some(groups.lookup_query(display_name))
    }

    /// The POST /Users body.
    pub(crate) fn user_create_body(self, u: &DirUser, run_id: &str) -> Value {
        self.behaviour().user_create_body(u, run_id)
    }

    /// Whether title and department reach the target (Google's mapping is unknown, so the
    /// simulation neither sends nor verifies them).
    pub(crate) fn maps_title_and_department(self) -> bool {
        self.behaviour().maps_title_and_department()
    }

    /// Google's profile-update PUT body (reconstructed, as in `scenarios/idp/google/
    /// update-profile.yaml`): the create body's attributes with only the SCIM 2.0 URN in
    /// `schemas`, since the SCIM 1.0 URN is only seen on creates.
    pub(crate) fn google_update_body(self, u: &DirUser, run_id: &str) -> Value {
        let mut body = self.user_create_body(u, run_id);
        if let Some(obj) = body.as_object_mut() {
            obj.insert("schemas".into(), json!([USER_URN]));
        }
        body
    }

    /// The POST /Groups body. `adscim_urn` adds Entra's ADSCIM group URN to `schemas`: Entra
    /// sent it before its 2018-12-18 fix (compatibility page), so it is an opt-in quirk.
    /// `Null` for an IdP that pushes no groups.
    pub(crate) fn group_create_body(
        self,
        display_name: &str,
        run_id: &str,
        adscim_urn: bool,
    ) -> Value {
        self.behaviour().groups().map_or(Value::Null, |g| {
            g.create_body(display_name, run_id, adscim_urn)
        })
    }

    /// What the real IdP does after an error response or no response to a write or read.
    pub(crate) fn on_failure(self) -> &'static str {
        self.behaviour().on_failure()
    }

    /// What the real IdP does when the final state differs from what it sent (it got a 2xx).
    pub(crate) fn on_drift(self, what: Drift) -> &'static str {
        self.behaviour().on_drift(what)
    }
}

/// Kinds of final-state mismatch, for [`Idp::on_drift`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drift {
    /// `active` differs.
    Active,
    /// A profile attribute differs.
    Profile,
    /// A group's name or members differ.
    Group,
    /// The resource is gone.
    Gone,
}

/// Adds title (core) and department (enterprise extension, URN added to `schemas`).
pub(super) fn add_profile_extras(body: &mut Value, schemas: &mut Vec<Value>, u: &DirUser) {
    if let Some(t) = &u.title {
        body["title"] = json!(t);
    }
    if let Some(d) = &u.department {
        body[ENTERPRISE_URN] = json!({ "department": d });
        if !schemas.contains(&json!(ENTERPRISE_URN)) {
            schemas.push(json!(ENTERPRISE_URN));
        }
    }
}

/// A PatchOp message.
/// A role as Entra's `AppRoleAssignmentsComplex` POST carries it (entra-attributes: every
/// role primary false, with its type, display and value).
pub(super) fn entra_role(role: &str) -> Value {
    json!({"primary": false, "type": "WindowsAzureActiveDirectoryRole", "display": role, "value": role})
}

pub(crate) fn patch(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_URN], "Operations": ops})
}

/// A PATCH body with one operation on `members`: `op` as the IdP writes it (`add`, `Add`,
/// `Remove`), the values as [`member_values`] writes them for that IdP.
pub(crate) fn members_patch(op: &str, members: &[(String, String)], entra: bool) -> Value {
    patch(vec![
        json!({"op": op, "path": "members", "value": member_values(members, entra)}),
    ])
}

/// Okta's full-resource PUT body (§1.4, §1.5 AIW): the resource as the target returned it,
/// with Okta's profile values written over it. `id`, `meta` and other read-only fields are
/// echoed back, as Okta does.
pub(crate) fn okta_put_body(current: &Value, u: &DirUser) -> Value {
    let mut body = match current {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let name = entry_ci(&mut body, "name", || json!({}));
    if let Value::Object(name) = name {
        set_ci(name, "givenName", json!(u.given_name));
        set_ci(name, "familyName", json!(u.family_name));
        if name.keys().any(|k| k.eq_ignore_ascii_case("formatted")) {
            set_ci(name, "formatted", json!(u.display_name()));
        }
    }
    set_ci(&mut body, "displayName", json!(u.display_name()));
    let work = json!({"primary": true, "value": u.email(), "type": "work"});
    match entry_ci(&mut body, "emails", || json!([])) {
        Value::Array(emails) if !emails.is_empty() => {
            let idx = emails
                .iter()
                .position(|e| resolve(e, "/primary") == Some(&Value::Bool(true)))
                .unwrap_or(0);
            if let Some(Value::Object(e)) = emails.get_mut(idx) {
                set_ci(e, "value", json!(u.email()));
            }
        }
        other => *other = json!([work]),
    }
    if let Some(t) = &u.title {
        set_ci(&mut body, "title", json!(t));
    }
    if let Some(d) = &u.department {
        match entry_ci(&mut body, ENTERPRISE_URN, || json!({})) {
            Value::Object(ext) => set_ci(ext, "department", json!(d)),
            other => *other = json!({ "department": d }),
        }
        match entry_ci(&mut body, "schemas", || json!([USER_URN])) {
            Value::Array(schemas) => {
                if !schemas.iter().any(|s| s.as_str() == Some(ENTERPRISE_URN)) {
                    schemas.push(json!(ENTERPRISE_URN));
                }
            }
            other => *other = json!([USER_URN, ENTERPRISE_URN]),
        }
    }
    set_ci(&mut body, "active", json!(u.active));
    Value::Object(body)
}

/// Okta AIW's full group PUT (§1.7 [OBS Rostr]): the group as the target returned it with
/// Okta's name and complete member list.
pub(crate) fn okta_group_put_body(
    current: &Value,
    name: &str,
    members: &[(String, String)],
) -> Value {
    let mut body = match current {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    if !body.keys().any(|k| k.eq_ignore_ascii_case("schemas")) {
        body.insert("schemas".into(), json!([GROUP_URN]));
    }
    set_ci(&mut body, "displayName", json!(name));
    set_ci(&mut body, "members", member_values(members, false));
    Value::Object(body)
}

/// `[{value, display}]` (Okta, §1.7) or `[{"$ref": null, value}]` (Entra, §2.7).
pub(crate) fn member_values(members: &[(String, String)], entra: bool) -> Value {
    Value::Array(
        members
            .iter()
            .map(|(id, user_name)| {
                if entra {
                    json!({"$ref": null, "value": id})
                } else {
                    json!({"value": id, "display": user_name})
                }
            })
            .collect(),
    )
}

/// Entra's user PATCH after a re-query (§2.4, §2.5): one operation per attribute that
/// differs between `target` (as the re-query returned it) and the IdP's user.
///
/// Default dialect: capitalised ops, `Add` when the target lacks the attribute and `Replace`
/// when it has it, `active` as the string `"True"`/`"False"` (the `"True"` casing of a
/// re-enable is reconstructed). Compliant dialect: lowercase ops, the work e-mail and
/// `active` as their own path ops, every other attribute folded into one path-less replace
/// with dotted and URN keys.
pub(crate) fn entra_user_ops(compliant: bool, target: &Value, u: &DirUser) -> Vec<Value> {
    let mut fields: Vec<(&str, Option<Value>, Value)> = vec![
        (
            "name.givenName",
            resolve(target, "/name/givenName").cloned(),
            json!(u.given_name),
        ),
        (
            "name.familyName",
            resolve(target, "/name/familyName").cloned(),
            json!(u.family_name),
        ),
        (
            "name.formatted",
            resolve(target, "/name/formatted").cloned(),
            json!(u.display_name()),
        ),
        (
            "emails[type eq \"work\"].value",
            work_email(target).map(Value::from),
            json!(u.email()),
        ),
    ];
    if let Some(t) = &u.title {
        fields.push(("title", resolve(target, "/title").cloned(), json!(t)));
    }
    if let Some(d) = &u.department {
        fields.push((
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            resolve(target, &format!("/{ENTERPRISE_URN}/department")).cloned(),
            json!(d),
        ));
    }
    let current_active = resolve(target, "/active").cloned();
    let active_differs = match &current_active {
        Some(Value::Bool(b)) => *b != u.active,
        Some(Value::String(s)) => !s.eq_ignore_ascii_case(if u.active { "true" } else { "false" }),
        _ => true,
    };
    let mut ops = Vec::new();
    let mut folded = Map::new();
    for (path, current, desired) in fields {
        if current.as_ref() == Some(&desired) {
            continue;
        }
        if compliant {
            if path.starts_with("emails") {
                ops.push(json!({"op": "replace", "path": path, "value": desired}));
            } else {
                folded.insert(path.to_string(), desired);
            }
        } else {
            let op = if current.is_some() { "Replace" } else { "Add" };
            ops.push(json!({"op": op, "path": path, "value": desired}));
        }
    }
    if !folded.is_empty() {
        ops.push(json!({"op": "replace", "value": folded}));
    }
    if active_differs {
        if compliant {
            ops.push(json!({"op": "replace", "path": "active", "value": u.active}));
        } else {
            let op = if current_active.is_some() {
                "Replace"
            } else {
                "Add"
            };
            let value = if u.active { "True" } else { "False" };
            ops.push(json!({"op": op, "path": "active", "value": value}));
        }
    }
    ops
}

/// The value of the work e-mail (`type eq "work"`), else of the primary one.
pub(super) fn work_email(resource: &Value) -> Option<&str> {
    let emails = resolve(resource, "/emails")?.as_array()?;
    emails
        .iter()
        .find(|e| {
            resolve(e, "/type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("work"))
        })
        .or_else(|| {
            emails
                .iter()
                .find(|e| resolve(e, "/primary") == Some(&Value::Bool(true)))
        })
        .or_else(|| emails.first())
        .and_then(|e| resolve(e, "/value"))
        .and_then(Value::as_str)
}

/// The value under `key` (any case), inserted from `default` when absent.
fn entry_ci<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
    default: impl FnOnce() -> Value,
) -> &'m mut Value {
    let k = map
        .keys()
        .find(|k| k.eq_ignore_ascii_case(key))
        .cloned()
        .unwrap_or_else(|| key.to_string());
    map.entry(k).or_insert_with(default)
}

fn set_ci(map: &mut Map<String, Value>, key: &str, value: Value) {
    if let Some(k) = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned() {
        map.insert(k, value);
    } else {
        map.insert(key.to_string(), value);
    }
}

/// 64-bit FNV-1a, for stable made-up ids.
fn fnv(input: &str) -> u64 {
    input.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// An Okta-like id: the prefix (`00u` users, `00g` groups) and alphanumerics up to 20
/// characters, stable for a run and name.
pub(super) fn okta_id(prefix: &str, run_id: &str, name: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = prefix.to_string();
    let mut seed = fnv(&format!("{run_id}\u{0}{name}"));
    while out.len() < 20 {
        out.push(ALPHABET[(seed % 62) as usize] as char);
        seed /= 62;
        if seed == 0 {
            seed = fnv(&format!("{out}{name}"));
        }
    }
    out
}

/// A GUID-shaped id (Entra object ids), stable for a run and name.
pub(super) fn guid(run_id: &str, name: &str) -> String {
    let a = fnv(&format!("{run_id}\u{0}{name}"));
    let b = fnv(&format!("{name}\u{0}{run_id}"));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}
