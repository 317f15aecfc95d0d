//! What the target says it supports: read once per run from `/ServiceProviderConfig` and
//! `/ResourceTypes`, with probes for the features that have no flag (`/.search`, `/Me`).
//! Scenarios that need an unadvertised feature are skipped with the reason. A broken
//! discovery document is failed by the discovery scenarios, not here: this falls back to
//! what IdPs need (users, groups, filter, patch) so the rest of the suite still runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::http::{HttpClient, OutgoingRequest, Response};
use crate::run_report::FeatureReport;
use crate::scenario::load::LoadedScenario;
use crate::scenario::model::Feature;
use crate::validate::target_schema::{Finding, TargetSchemas};

/// Features of one target, and its own schema declarations.
#[derive(Debug, Clone, Default)]
pub struct Features {
    states: BTreeMap<Feature, FeatureReport>,
    /// The target's `/Schemas` and `/ResourceTypes`, indexed (for `schema: target` checks).
    pub schemas: Option<Arc<TargetSchemas>>,
    /// Problems in those declarations themselves (C-7-01, C-6-02, …).
    pub declaration_findings: Vec<Finding>,
}

impl Features {
    /// Every feature marked supported (for tests and forced runs).
    pub fn all_supported(source: &str) -> Self {
        let states = Feature::ALL
            .iter()
            .map(|f| {
                (
                    *f,
                    FeatureReport {
                        supported: true,
                        forced: false,
                        source: source.to_string(),
                    },
                )
            })
            .collect();
        Features {
            states,
            ..Features::default()
        }
    }

    /// Whether a scenario needing `f` should run.
    pub fn enabled(&self, f: Feature) -> bool {
        self.states.get(&f).is_some_and(|s| s.supported || s.forced)
    }

    /// Marks features as forced on (`--force-feature`).
    pub fn force(&mut self, forced: &[Feature]) {
        for f in forced {
            if let Some(state) = self.states.get_mut(f) {
                state.forced = true;
            }
        }
    }

    /// Why a scenario needing these features is skipped, if it is.
    pub fn skip_reason(&self, needs: &[Feature]) -> Option<String> {
        let missing: Vec<String> = needs
            .iter()
            .filter(|f| !self.enabled(**f))
            .map(|f| {
                let source = self.states.get(f).map_or("unknown", |s| s.source.as_str());
                format!("`{}` ({source})", f.name())
            })
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "needs {} that the target does not advertise; --force-feature {} runs it anyway",
                missing.join(", "),
                needs
                    .iter()
                    .filter(|f| !self.enabled(**f))
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(" --force-feature ")
            )
        })
    }

    /// Whether a scenario runs: why it is skipped, if it is, and (for an IdP replay) the
    /// features it uses that the target does not advertise. IdP replays are not gated by
    /// what the server advertises: Okta, Entra and Google never read
    /// /ServiceProviderConfig and send filters and PATCH regardless; only the resource types
    /// the app is configured with (users, groups, enterprise) gate them.
    pub fn gate(&self, sc: &LoadedScenario) -> (Option<String>, Vec<&'static str>) {
        let requires = &sc.scenario.requires;
        let configured = |f: &Feature| {
            matches!(
                f,
                Feature::Users | Feature::Groups | Feature::EnterpriseUser
            )
        };
        let (needs, unadvertised): (Vec<Feature>, Vec<&'static str>) = match &sc.profile {
            Some(_) => (
                requires.iter().copied().filter(configured).collect(),
                requires
                    .iter()
                    .filter(|f| !configured(f) && !self.enabled(**f))
                    .map(|f| f.name())
                    .collect(),
            ),
            None => (requires.clone(), Vec::new()),
        };
        let skip = self
            .skip_reason(&needs)
            .or_else(|| self.skip_unless_unsupported(&sc.scenario.requires_unsupported));
        (skip, unadvertised)
    }

    /// Why a scenario that must only run when these features are NOT advertised is skipped.
    pub fn skip_unless_unsupported(&self, unsupported: &[Feature]) -> Option<String> {
        let present: Vec<String> = unsupported
            .iter()
            .filter(|f| self.states.get(f).is_some_and(|s| s.supported))
            .map(|f| format!("`{}`", f.name()))
            .collect();
        (!present.is_empty()).then(|| {
            format!(
                "checks how a server refuses {}, but the target advertises it",
                present.join(", ")
            )
        })
    }

    /// The states, by feature name, for the report.
    pub fn report(&self) -> BTreeMap<String, FeatureReport> {
        self.states
            .iter()
            .map(|(f, s)| (f.name().to_string(), s.clone()))
            .collect()
    }

    fn set(&mut self, f: Feature, supported: bool, source: impl Into<String>) {
        self.states.insert(
            f,
            FeatureReport {
                supported,
                forced: false,
                source: source.into(),
            },
        );
    }
}

const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Reads the discovery documents and probes. Returns the features and the requests sent.
pub async fn discover(client: &HttpClient) -> (Features, u32) {
    let mut features = Features::default();
    let before = client.requests_sent();
    let get = |path: &'static str| fetch(client, path);

    let spc = get("/ServiceProviderConfig").await;
    match spc.as_ref().and_then(json_object) {
        Some(doc) => {
            for (feature, key) in [
                (Feature::Patch, "patch"),
                (Feature::Bulk, "bulk"),
                (Feature::Filter, "filter"),
                (Feature::Sort, "sort"),
                (Feature::Etag, "etag"),
                (Feature::ChangePassword, "changePassword"),
            ] {
                let flag = lookup(&doc, key).and_then(|v| lookup(v, "supported"));
                match flag {
                    Some(Value::Bool(b)) => features.set(
                        feature,
                        *b,
                        format!("ServiceProviderConfig {key}.supported = {b}"),
                    ),
                    _ => features.set(
                        feature,
                        matches!(feature, Feature::Patch | Feature::Filter),
                        format!(
                            "ServiceProviderConfig has no boolean {key}.supported; assumed {}",
                            if matches!(feature, Feature::Patch | Feature::Filter) {
                                "supported (every IdP needs it)"
                            } else {
                                "unsupported"
                            }
                        ),
                    ),
                }
            }
        }
        None => {
            let why = match &spc {
                Some(r) => format!("ServiceProviderConfig unreadable (status {})", r.status),
                None => "ServiceProviderConfig did not answer".to_string(),
            };
            for feature in [Feature::Patch, Feature::Filter] {
                features.set(
                    feature,
                    true,
                    format!("{why}; assumed supported (every IdP needs it)"),
                );
            }
            for feature in [
                Feature::Bulk,
                Feature::Sort,
                Feature::Etag,
                Feature::ChangePassword,
            ] {
                features.set(feature, false, format!("{why}; assumed unsupported"));
            }
        }
    }

    let types = get("/ResourceTypes").await;
    let listed: Option<Vec<Value>> = types.as_ref().and_then(json_any).and_then(|doc| match doc {
        Value::Array(items) => Some(items),
        Value::Object(_) => lookup(&doc, "Resources").and_then(Value::as_array).cloned(),
        _ => None,
    });
    match listed {
        Some(items) => {
            let named = |n: &str| {
                items.iter().find(|t| {
                    lookup(t, "name")
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.eq_ignore_ascii_case(n))
                        || lookup(t, "id")
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.eq_ignore_ascii_case(n))
                })
            };
            let user = named("User");
            features.set(
                Feature::Users,
                user.is_some(),
                format!(
                    "ResourceTypes {} User",
                    if user.is_some() {
                        "lists"
                    } else {
                        "does not list"
                    }
                ),
            );
            let group = named("Group").is_some();
            features.set(
                Feature::Groups,
                group,
                format!(
                    "ResourceTypes {} Group",
                    if group { "lists" } else { "does not list" }
                ),
            );
            let ent = user
                .and_then(|u| lookup(u, "schemaExtensions"))
                .and_then(Value::as_array)
                .is_some_and(|exts| {
                    exts.iter().any(|e| {
                        lookup(e, "schema")
                            .and_then(Value::as_str)
                            .is_some_and(|s| s.eq_ignore_ascii_case(ENTERPRISE))
                    })
                });
            features.set(
                Feature::EnterpriseUser,
                ent,
                format!(
                    "User schemaExtensions {} the enterprise extension",
                    if ent { "list" } else { "do not list" }
                ),
            );
        }
        None => {
            for (feature, path) in [(Feature::Users, "/Users"), (Feature::Groups, "/Groups")] {
                let ok = get(path)
                    .await
                    .is_some_and(|r| r.status == 200 && json_object(&r).is_some());
                features.set(
                    feature,
                    ok,
                    format!(
                        "ResourceTypes unreadable; probe GET {path} {}",
                        if ok { "answered a list" } else { "did not" }
                    ),
                );
            }
            features.set(
                Feature::EnterpriseUser,
                false,
                "ResourceTypes unreadable; assumed unsupported",
            );
        }
    }

    if let (Some(types_doc), Some(schemas_doc)) = (
        types.as_ref().and_then(json_any),
        get("/Schemas").await.as_ref().and_then(json_any),
    ) {
        let (schemas, findings) = TargetSchemas::from_discovery(&schemas_doc, &types_doc);
        features.schemas = Some(Arc::new(schemas));
        features.declaration_findings = findings;
    }

    // No flag exists for these: probe. The search body has no userName, so a server that
    // wrongly treats it as a create cannot store anything.
    let search = client
        .send(&OutgoingRequest {
            body: Some(
                serde_json::to_vec(&json!({"schemas": [SEARCH_REQUEST], "filter": format!("userName eq \"probe-{}\"", uuid::Uuid::new_v4()), "count": 1}))
                    .unwrap_or_default(),
            ),
            ..OutgoingRequest::new("POST", "/Users/.search", client.default_bearer())
        })
        .await
        .1
        .ok();
    let (ok, status) = probe_result(search.as_ref());
    features.set(
        Feature::Search,
        ok,
        format!("probe POST /Users/.search answered {status}"),
    );
    let me = get("/Me").await;
    let (ok, status) = probe_result(me.as_ref());
    features.set(Feature::Me, ok, format!("probe GET /Me answered {status}"));
    (features, client.requests_sent() - before)
}

async fn fetch(client: &HttpClient, path: &str) -> Option<Response> {
    let req = OutgoingRequest::new("GET", path, client.default_bearer());
    client.send(&req).await.1.ok()
}

fn probe_result(resp: Option<&Response>) -> (bool, String) {
    match resp {
        Some(r) => (
            (200..300).contains(&r.status) || r.status == 308,
            r.status.to_string(),
        ),
        None => (false, "nothing".into()),
    }
}

fn json_any(resp: &Response) -> Option<Value> {
    (resp.status == 200).then(|| resp.json()).flatten()
}

fn json_object(resp: &Response) -> Option<Value> {
    json_any(resp).filter(Value::is_object)
}

/// A key of an object, matched ignoring case (SCIM attribute names are case-insensitive).
fn lookup<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let map = v.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_reason_names_the_source_and_the_override() {
        let mut f = Features::default();
        f.set(
            Feature::Sort,
            false,
            "ServiceProviderConfig sort.supported = false",
        );
        f.set(Feature::Users, true, "ResourceTypes lists User");
        assert_eq!(f.skip_reason(&[Feature::Users]), None);
        let why = f.skip_reason(&[Feature::Users, Feature::Sort]).unwrap();
        assert!(
            why.contains("`sort` (ServiceProviderConfig sort.supported = false)"),
            "{why}"
        );
        assert!(why.contains("--force-feature sort"), "{why}");
        f.force(&[Feature::Sort]);
        assert_eq!(f.skip_reason(&[Feature::Sort]), None);
    }

    #[test]
    fn unsupported_only_scenarios_skip_when_the_feature_is_on() {
        let mut f = Features::default();
        f.set(Feature::Patch, true, "x");
        f.set(Feature::Bulk, false, "y");
        assert!(
            f.skip_unless_unsupported(&[Feature::Patch])
                .unwrap()
                .contains("`patch`")
        );
        assert_eq!(f.skip_unless_unsupported(&[Feature::Bulk]), None);
    }

    #[test]
    fn unknown_features_are_not_enabled() {
        assert!(!Features::default().enabled(Feature::Bulk));
        assert!(Features::all_supported("test").enabled(Feature::Bulk));
    }
}
