//! `report.html` in a real browser: headless Chromium, at 1400 and 800 CSS pixels wide, on
//! the report of a real run against a target with a defect that fails checks in several
//! suites. Nothing may be wider than the window, the suite rows and the search box must
//! filter, and the page must log no error. Screenshots are kept under `target/browser/`.
//!
//! This test fails, never skips, when Chromium cannot start; the message says how to
//! install it (`apt-get install -y chromium chromium-driver`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use scim_harness::exec::redact::Redactor;
use scim_harness::report::{ReportFormat, write_all};
use scim_harness::run_report::{RunReport, ScenarioStatus};
use serde_json::{Value, json};

use crate::support::{BrokenServer, Defect, TOKEN, run_against};
use crate::webdriver::Browser;

/// Where the screenshots (and the page they show) are kept for CI to collect.
fn artefacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("browser")
}

/// Everything laid out wider than the window, clipped sideways, or a table row taller than
/// most of the window: `tag.class#id: what`, at most 20.
const LAYOUT_PROBLEMS: &str = r##"
const W = window.innerWidth, H = window.innerHeight, out = [];
const name = e => e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") + (e.id ? "#" + e.id : "");
if (document.documentElement.scrollWidth > W) out.push("page: scrollWidth " + document.documentElement.scrollWidth + " > " + W);
for (const e of document.querySelectorAll("body *")) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (r.right > W + 0.5 || r.left < -0.5) out.push(name(e) + ": spans " + Math.round(r.left) + ".." + Math.round(r.right) + " of " + W);
  const ox = getComputedStyle(e).overflowX;
  if (ox !== "visible" && e.scrollWidth > e.clientWidth + 1) out.push(name(e) + ": content " + e.scrollWidth + " wide in " + e.clientWidth + " (overflow-x " + ox + ")");
  if (e.tagName === "TR" && r.height > H * 0.6) out.push(name(e) + ": row " + Math.round(r.height) + " px tall");
}
return out.slice(0, 20);
"##;

/// Scenario cards that are visible and findings the filters leave (in the grouping shown):
/// their `data-suite`s and texts.
const VISIBLE: &str = r##"
const seen = e => e.getClientRects().length > 0;
const cards = [...document.querySelectorAll("details.scenario")].filter(seen);
// A finding is one place a failure happened, under its cluster's head; places beyond the
// first few are folded but still count as shown unless a filter hid them.
const findings = [...document.querySelectorAll("#failures .by-requirement .finding, #warnings .finding")]
  .filter(f => !f.closest("[hidden]"));
return {
  cards: cards.map(c => [c.dataset.suite, c.querySelector("summary").textContent]),
  findings: findings.map(f => [f.dataset.suite, f.closest(".cluster").querySelector(".chead").textContent + " " + f.textContent]),
};
"##;

/// Opens every card (drawing the deferred ones) and every exchange and fold inside.
const OPEN_ALL: &str = r##"
document.querySelector("[data-expand='1']").click();
for (const d of document.querySelectorAll("details")) d.open = true;
return document.querySelectorAll("details.scenario[data-deferred]").length;
"##;

fn suites_with_findings(report: &RunReport) -> Vec<(String, usize)> {
    report
        .suites
        .iter()
        .filter(|s| s.findings > 0)
        .map(|s| {
            let n = report
                .scenarios
                .iter()
                .filter(|sc| sc.profile.as_deref().unwrap_or("rfc") == s.id)
                .count();
            (s.id.clone(), n)
        })
        .collect()
}

async fn visible(browser: &Browser) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let v = browser.run(VISIBLE, json!([])).await;
    let pairs = |key: &str| -> Vec<(String, String)> {
        v[key]
            .as_array()
            .expect("array")
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap_or("").to_string(),
                    p[1].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    (pairs("cards"), pairs("findings"))
}

fn errors(entries: &[Value]) -> Vec<&Value> {
    entries
        .iter()
        .filter(|e| e["level"] == "SEVERE" || e["level"] == "WARNING")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_holds_at_1400_and_800_pixels_and_its_filters_work() {
    let server = BrokenServer::start(Defect::CreateAnswers200).await;
    let report = run_against(&server.url()).await;
    let failing = suites_with_findings(&report);
    assert!(
        failing.len() >= 2,
        "the defect should fail checks in several suites: {:?}",
        report.suites
    );
    let dir = artefacts();
    std::fs::create_dir_all(&dir).unwrap();
    write_all(
        &report,
        &[ReportFormat::Html],
        &dir,
        &Redactor::new([TOKEN]),
    )
    .unwrap();
    let page = dir.join("report.html").canonicalize().unwrap();
    let total = report.scenarios.len();
    let deferred = report
        .scenarios
        .iter()
        .filter(|s| !matches!(s.status, ScenarioStatus::Failed | ScenarioStatus::Errored))
        .count();
    assert!(deferred > 0, "some cards are drawn on demand");

    let browser = Browser::start()
        .await
        .unwrap_or_else(|e| panic!("the browser test needs headless Chromium: {e}"));

    for width in [1400u32, 800] {
        browser.viewport(width, 900).await;
        browser.open(&page, &format!("{width}-layout")).await;
        let inner = browser.run("return window.innerWidth;", json!([])).await;
        assert_eq!(inner, json!(width), "viewport");

        // As the page opens: failed scenarios open, exchanges closed.
        let problems = browser.run(LAYOUT_PROBLEMS, json!([])).await;
        assert_eq!(problems, json!([]), "layout at {width} px, as opened");
        let png = browser.screenshot(None, 5000).await;
        std::fs::write(dir.join(format!("report-{width}.png")), png).unwrap();

        // Everything open: every card drawn, every exchange and body shown.
        browser.run(OPEN_ALL, json!([])).await;
        let left = browser
            .run(
                "return document.querySelectorAll('details.scenario[data-deferred]').length;",
                json!([]),
            )
            .await;
        assert_eq!(left, json!(0), "every deferred card is drawn once opened");
        let steps = browser
            .run(
                "return document.querySelectorAll('section.step').length;",
                json!([]),
            )
            .await;
        let expected_steps: usize = report.scenarios.iter().map(|s| s.steps.len()).sum();
        assert_eq!(steps, json!(expected_steps), "every step is drawn");
        let problems = browser.run(LAYOUT_PROBLEMS, json!([])).await;
        assert_eq!(problems, json!([]), "layout at {width} px, everything open");
        let png = browser
            .screenshot(Some("details.scenario[data-status='failed']"), 4000)
            .await;
        std::fs::write(dir.join(format!("report-{width}-open.png")), png).unwrap();

        // Filters, from a fresh page.
        browser.open(&page, &format!("{width}-filters")).await;
        let (cards, findings) = visible(&browser).await;
        let state = browser
            .run(
                "return [document.body.getAttribute('data-filter'), document.body.getAttribute('data-suite'), document.getElementById('q').value];",
                json!([]),
            )
            .await;
        assert_eq!(
            state,
            json!(["all", null, ""]),
            "a fresh page is unfiltered"
        );
        assert_eq!(cards.len(), total, "every card shows at {width} px");
        let all_findings = findings.len();
        assert!(all_findings > 0);

        // A suite row shows only that suite; clicking it again shows everything.
        let (suite, members) = &failing[1];
        let row = browser
            .find(&format!("#suites tr[data-suite='{suite}']"))
            .await;
        browser.click(&row).await;
        let (cards, findings) = visible(&browser).await;
        assert_eq!(cards.len(), *members, "cards of {suite}");
        assert!(cards.len() < total);
        assert!(cards.iter().all(|(s, _)| s == suite), "{cards:?}");
        assert!(!findings.is_empty() && findings.len() < all_findings);
        assert!(findings.iter().all(|(s, _)| s == suite));
        browser.click(&row).await;
        assert_eq!(visible(&browser).await.0.len(), total);

        // The search box: one scenario's id leaves that scenario (and any whose text
        // holds it), and only findings that mention it.
        let target = report
            .scenarios
            .iter()
            .find(|s| s.status == ScenarioStatus::Failed)
            .expect("a failed scenario");
        let q = browser.find("#q").await;
        browser.type_text(&q, &target.id).await;
        // The box filters as the user types (after a short pause on big pages).
        let mut cards = Vec::new();
        for _ in 0..100 {
            cards = visible(&browser).await.0;
            if cards.len() < total {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            !cards.is_empty() && cards.len() < total,
            "{} cards",
            cards.len()
        );
        assert!(cards.iter().any(|(_, t)| t.contains(&target.id)));
        let (_, findings) = visible(&browser).await;
        assert!(findings.len() < all_findings);
        assert!(findings.iter().all(|(_, t)| t.contains(&target.id)));

        let log = browser.console().await;
        assert!(errors(&log).is_empty(), "console at {width} px: {log:#?}");
    }

    // The console check can fail: an error the page logs is seen.
    browser
        .run("console.error('probe from the test');", json!([]))
        .await;
    let log = browser.console().await;
    assert!(
        errors(&log).iter().any(|e| e["message"]
            .as_str()
            .unwrap_or("")
            .contains("probe from the test")),
        "{log:#?}"
    );
    let seen: BTreeSet<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for png in ["report-1400.png", "report-800.png"] {
        assert!(seen.contains(png), "{png} in {seen:?}");
    }
}
