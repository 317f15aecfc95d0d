//! The import: after the changes, the IdP lists the application's accounts page by page
//! (RFC 7644 §3.4.2.4) until `totalResults` — Okta's import (`startIndex=1,101,…&count=100`,
//! okta-docs:scim20 "Retrieve Users") and Entra's account discovery (paging required by the
//! Entra SCIM tutorial; its page size is undocumented, so Okta's 100 is used). Every account
//! the simulation provisioned and did not delete, inactive ones included, must be listed.
//! Google's connector documents no import: nothing is sent.

use std::collections::BTreeSet;

use serde_json::Value;

use super::sync::Session;

/// Page size of the walk (Okta's documented `count`).
const PAGE: u64 = 100;
/// At most this many pages: a `totalResults` that never ends the walk stops here.
const MAX_PAGES: u64 = 1000;

impl Session<'_> {
    pub(super) async fn import(&mut self) {
        let (who, consequence) = match self.idp.behaviour().import() {
            Ok(import) => import,
            Err(none) => {
                self.note(none);
                return;
            }
        };
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut start = 1u64;
        let mut ended = false;
        for page in 1..=MAX_PAGES {
            let query = vec![
                ("startIndex".to_string(), start.to_string()),
                ("count".to_string(), PAGE.to_string()),
            ];
            let req = self.request("GET", "/Users".into(), query, None);
            let Some(resp) = self
                .send(req, &format!("{who}: page {page} (startIndex={start})"))
                .await
            else {
                return;
            };
            let body = resp.json().unwrap_or(Value::Null);
            let total = body.get("totalResults").and_then(Value::as_u64);
            let ids: Vec<String> = body
                .get("Resources")
                .and_then(Value::as_array)
                .map(|rs| {
                    rs.iter()
                        .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let (200, Some(total)) = (resp.status, total) else {
                self.outcome(&format!("not a list ({})", resp.status));
                self.problem(format!(
                    "import: page {page} of {who} answered {} without a numeric totalResults; {consequence}",
                    resp.status
                ));
                return;
            };
            let listed = ids.len() as u64;
            seen.extend(ids);
            if listed == 0 || start.saturating_add(PAGE) > total {
                if listed == 0 && start <= total {
                    self.problem(format!(
                        "import: page {page} of {who} is empty although totalResults is {total}; the walk ends there"
                    ));
                }
                ended = true;
                break;
            }
            start += PAGE;
        }
        if !ended {
            self.problem(format!(
                "import: {who} did not reach totalResults within {MAX_PAGES} pages of {PAGE}"
            ));
        }
        let missing: Vec<String> = self
            .users
            .iter()
            .filter(|u| !u.deleted)
            .filter_map(|u| {
                let id = u.live_id()?;
                (!seen.contains(id)).then(|| u.dir.user_name.clone())
            })
            .collect();
        if missing.is_empty() {
            self.outcome(&format!(
                "every provisioned account listed ({} ids seen)",
                seen.len()
            ));
        } else {
            self.outcome(&format!("{} account(s) not listed", missing.len()));
            for name in missing {
                self.problem(format!("import: {who} does not list {name}; {consequence}"));
            }
        }
    }
}
