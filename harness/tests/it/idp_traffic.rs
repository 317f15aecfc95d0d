//! IdP traffic: every profile's scenarios are replayed against a recording proxy and the
//! exact requests — method, path and query as encoded, headers, body — are pinned under
//! `snapshots/requests/<profile>/`, so any change to a dialect is a reviewed diff. The
//! lenient reference server passes every profile; the strict one fails the `entra`
//! profile with errors that name the quirk.

use std::path::PathBuf;
use std::sync::Arc;

use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::cleanup::Registry;
use scim_harness::exec::runner::{empty_report, run_steps};
use scim_harness::exec::suite::{Silent, run_suite};
use scim_harness::run_report::{CheckOutcome, ScenarioStatus};
use scim_reference_server::{ReferenceServer, ServerOptions};

use crate::support::{
    BrokenServer, Defect, TOKEN, engine, engine_builder, load_scenarios, options,
};

/// Redacts what differs between runs: server-made ids, timestamps and versions that an
/// IdP echoes back (Okta's PUT resends the resource it read), and the token.
fn redact(text: &str, base: &str) -> String {
    let text = text.replace(base, "[base]");
    let uuid = regex::Regex::new(
        r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    )
    .unwrap();
    let time = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
        .unwrap();
    let version = regex::Regex::new(r#"W/\\?"[^"\\]*\\?""#).unwrap();
    let text = text.replace(TOKEN, "[token]");
    let text = uuid.replace_all(&text, "[uuid]");
    let text = time.replace_all(&text, "[timestamp]");
    version.replace_all(&text, "[version]").into_owned()
}

fn render(req: &wiremock::Request, base: &str) -> String {
    let mut out = format!("{} {}", req.method, req.url.path());
    if let Some(q) = req.url.query() {
        out.push('?');
        out.push_str(q);
    }
    out.push('\n');
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "host" | "content-length"))
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    headers.sort();
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    if !req.body.is_empty() {
        out.push_str(&String::from_utf8_lossy(&req.body));
        out.push('\n');
    }
    redact(&out, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_profile_sends_exactly_its_pinned_requests() {
    let scenarios: Vec<_> = load_scenarios()
        .into_iter()
        .filter(|s| s.profile.is_some())
        .collect();
    assert!(!scenarios.is_empty(), "no IdP profile scenarios found");
    let server = BrokenServer::start(Defect::None).await;
    let engine = engine_builder(&server.url())
        .run_id("pinned0001")
        .build()
        .unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../snapshots/requests");
    for sc in &scenarios {
        let before = server
            .mock
            .received_requests()
            .await
            .unwrap_or_default()
            .len();
        let registry = Registry::new();
        let mut report = empty_report(sc);
        run_steps(&engine, sc, &registry, &mut report, &Cancel::default()).await;
        let sent = server.mock.received_requests().await.unwrap_or_default();
        registry.clean(engine.client()).await;
        let transcript: Vec<String> = sent[before..]
            .iter()
            .map(|r| render(r, &server.url()))
            .collect();
        let profile = sc.profile.as_ref().unwrap().name.clone();
        let name = sc.id.rsplit('/').next().unwrap().to_string();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root.join(&profile));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&sc.file.path);
        settings.bind(|| insta::assert_snapshot!(name, transcript.join("\n")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lenient_server_passes_every_profile_and_strict_fails_entra_naming_the_quirk() {
    let profiles: Vec<_> = load_scenarios()
        .into_iter()
        .filter(|s| s.profile.is_some())
        .collect();
    for strict in [false, true] {
        let server = ReferenceServer::start(ServerOptions {
            token: Some(TOKEN.to_string()),
            strict,
            ..ServerOptions::default()
        })
        .await
        .unwrap();
        let url = server.base_url();
        let report = run_suite(
            engine(&url),
            profiles.clone(),
            &options(&url),
            Cancel::default(),
            Arc::new(Silent),
        )
        .await;
        server.shutdown().await;
        if !strict {
            let bad: Vec<_> = report
                .scenarios
                .iter()
                .filter(|s| !matches!(s.status, ScenarioStatus::Passed | ScenarioStatus::Skipped))
                .map(|s| (&s.id, s.status, &s.error))
                .collect();
            assert!(
                bad.is_empty(),
                "lenient reference server fails IdP profiles: {bad:#?}"
            );
            continue;
        }
        let entra_failures: Vec<String> = report
            .scenarios
            .iter()
            .filter(|s| s.profile.as_deref() == Some("entra"))
            .flat_map(|s| s.steps.iter())
            .filter(|st| st.checks.iter().any(|c| c.outcome == CheckOutcome::Failed))
            .filter_map(|st| st.exchange.response.as_ref().and_then(|r| r.body.clone()))
            .collect();
        assert!(
            !entra_failures.is_empty(),
            "the strict server should refuse Entra's quirks"
        );
        assert!(
            entra_failures.iter().any(|b| b.contains("strict")),
            "strict refusals name the quirk and the switch: {entra_failures:#?}"
        );
        // The quirk steps added from the 2026-12 source review: each fails under --strict
        // with an error that names a non-RFC form and the switch.
        for (scenario, step) in [
            ("idp/entra/matching-attributes", "match on the work email"),
            ("idp/entra/manager-documented", "Add manager as a $ref list"),
            (
                "idp/entra/manager-enterprise-object",
                "Add the enterprise object with a bare-string manager",
            ),
            ("idp/entra/roles-complex", "add a role as JSON in a string"),
            ("idp/entra-compliant/manager", "add manager as a bare id"),
        ] {
            let sc = report
                .scenarios
                .iter()
                .find(|s| s.id == scenario)
                .unwrap_or_else(|| panic!("{scenario} did not run"));
            let st = sc
                .steps
                .iter()
                .find(|st| st.name == step)
                .unwrap_or_else(|| panic!("{scenario} › {step} was not reached: {sc:#?}"));
            assert!(
                st.checks.iter().any(|c| c.outcome == CheckOutcome::Failed),
                "{scenario} › {step} passed on the strict server"
            );
            let body = st
                .exchange
                .response
                .as_ref()
                .and_then(|r| r.body.clone())
                .unwrap_or_default();
            assert!(
                body.contains("not an RFC 7644") && body.contains("--strict"),
                "{scenario} › {step}: {body}"
            );
        }
    }
}
