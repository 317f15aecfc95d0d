//! `page_walk:` on a step: list a collection page by page with RFC 7644 §3.4.2.4 paging
//! (`startIndex`/`count`) until `totalResults` is reached, the way an IdP imports or
//! discovers accounts — bounded by `max_pages`, so a server whose `totalResults` never ends
//! the walk fails the step instead of hanging the run.
//!
//! ```yaml
//! - name: import users
//!   request: { method: GET, path: /Users }
//!   page_walk:
//!     count: 100            # sent as count=100 on every page
//!     max_pages: 50         # the cap: not reaching totalResults within 50 pages fails
//!     finds: ["{{user_id}}"] # ids the walk must list somewhere (what the scenario created)
//!   expect:
//!     - status: 200         # evaluated on every page
//! ```
//!
//! Page *k* is sent with `startIndex = start_index + (k-1)·count` and `count`, appended
//! after the step's own query. The walk ends when the next `startIndex` is past the last
//! page's `totalResults`, or a page lists nothing (which fails when `totalResults` says
//! more were due). The linter keeps walks explicit: GET only, no hand-written
//! `startIndex`/`count`, no captures (a walk has many responses), and a bounded cap.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::diagnostic::{Diagnostic, SourceFile};
use super::model::{Method, Step};

/// The largest `max_pages` a scenario may ask for.
pub const MAX_PAGES_LIMIT: u64 = 1000;

/// A bounded walk over a paged list.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageWalk {
    /// Page size, sent as `count` on every request (1 or more).
    pub count: u64,
    /// `startIndex` of the first page (RFC 7644 §3.4.2.4: 1-based; default 1).
    #[serde(default = "one")]
    pub start_index: u64,
    /// The cap: at most this many requests (1 to 1000). A walk that has not reached
    /// `totalResults` after this many pages fails the step.
    pub max_pages: u64,
    /// Resource ids (placeholders allowed, e.g. `{{user_id}}`) that must appear in some
    /// page's `Resources`: what the scenario created, so the check holds whatever else the
    /// target holds.
    #[serde(default)]
    pub finds: Vec<String>,
    /// How the next `startIndex` is found: `listed` (default) after what the page listed,
    /// as RFC 7644 §3.4.2.4 asks of clients (a server may return fewer than `count`);
    /// `count`: `startIndex + count` whatever the page held, as an IdP documents it (a
    /// server whose pages hold fewer than `count` then loses resources for that IdP).
    #[serde(default)]
    pub advance: Advance,
}

/// How a page walk finds the next `startIndex`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Advance {
    /// After the resources the page listed.
    #[default]
    Listed,
    /// By `count`, whatever the page held.
    Count,
}

fn one() -> u64 {
    1
}

/// The lint rules of a step's walk (variables in `finds` are checked with the others).
pub fn lint(file: &SourceFile, step: &Step, walk: &Spanned<PageWalk>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let w = &walk.value;
    let at = |message: String| Diagnostic::spanned(file, walk, message);
    if step.request.method != Method::Get {
        out.push(
            at(format!(
                "`page_walk` on a {} request",
                step.request.method.as_str()
            ))
            .with_label("walks list a collection")
            .with_help("use `method: GET` on a collection such as `/Users`"),
        );
    }
    if w.count == 0 {
        out.push(
            at("`page_walk.count` is 0".into())
                .with_label("a page must ask for at least one resource")
                .with_help("use the page size the IdP sends, e.g. `count: 100` for Okta"),
        );
    }
    if w.start_index == 0 {
        out.push(
            at("`page_walk.start_index` is 0".into())
                .with_label("startIndex is 1-based (RFC 7644 §3.4.2.4)")
                .with_help("leave it out to start at 1"),
        );
    }
    if w.max_pages == 0 || w.max_pages > MAX_PAGES_LIMIT {
        out.push(
            at(format!(
                "`page_walk.max_pages: {}` is outside 1..={MAX_PAGES_LIMIT}",
                w.max_pages
            ))
            .with_label("the cap bounds the walk")
            .with_help("pick the most pages the IdP would plausibly read, e.g. 50"),
        );
    }
    for key in step.request.query.keys() {
        if key.eq_ignore_ascii_case("startIndex") || key.eq_ignore_ascii_case("count") {
            out.push(
                at(format!("`query.{key}` is set on a step with `page_walk`"))
                    .with_label("the walk sends startIndex and count itself")
                    .with_help("remove it from `query:`; use `page_walk.start_index`/`count`"),
            );
        }
    }
    if !step.capture.is_empty() {
        out.push(
            at("`capture` on a step with `page_walk`".into())
                .with_label("a walk has one response per page")
                .with_help("check the walk with `page_walk.finds`, or capture in a separate step"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::scenario::diagnostic::SourceFile;
    use crate::scenario::lint::{LintContext, lint};
    use crate::scenario::load::parse;

    fn lint_text(text: &str) -> Vec<crate::scenario::diagnostic::Diagnostic> {
        let file = SourceFile {
            path: "s.yaml".into(),
            text: text.into(),
        };
        let scenario = parse(&file).unwrap_or_else(|d| panic!("{d}"));
        let ctx = LintContext {
            schema_names: vec!["list-response"],
            catalog: Catalog::embedded(),
        };
        lint(&file, &scenario, &ctx)
    }

    #[test]
    fn a_clean_walk_has_no_diagnostics() {
        let d = lint_text(
            "name: n\nsteps:\n  - name: create\n    request: { method: POST, path: /Users }\n    expect: [{ status: 201, req: P-3.3-01 }]\n    capture: { id: /id }\n  - name: walk\n    request: { method: GET, path: /Users, query: { filter: 'userName sw \"x\"' } }\n    page_walk: { count: 2, max_pages: 10, finds: [\"{{id}}\"] }\n    expect: [{ status: 200, req: P-3.4.2.4-01 }]\n",
        );
        assert!(d.is_empty(), "{d:#?}");
    }

    #[test]
    fn bad_walks_are_located_and_explained() {
        let text = "name: n\nsteps:\n  - name: walk\n    request: { method: POST, path: /Users, query: { count: 5 } }\n    page_walk: { count: 0, start_index: 0, max_pages: 5000, finds: [\"{{nope}}\"] }\n    capture: { id: /id }\n    expect: [{ status: 200, req: P-3.4.2.4-01 }]\n";
        let d = lint_text(text);
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        for want in [
            "`page_walk` on a POST request",
            "`page_walk.count` is 0",
            "`page_walk.start_index` is 0",
            "`page_walk.max_pages: 5000` is outside 1..=1000",
            "`query.count` is set on a step with `page_walk`",
            "`capture` on a step with `page_walk`",
            "undefined variable `nope`",
        ] {
            assert!(
                messages.iter().any(|m| m.contains(want)),
                "missing {want:?} in {messages:#?}"
            );
        }
        // Every walk diagnostic points at the `page_walk:` mapping (line 5).
        assert!(
            d.iter()
                .filter(|d| d.message.contains("page_walk") || d.message.contains("capture"))
                .all(|d| d.location.line == 5),
            "{d:#?}"
        );
    }
}
