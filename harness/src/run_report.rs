//! The run report: one plain, serializable model of everything a run did. Every report
//! format (console, JSON, JUnit, Markdown, HTML) is a pure function of it.
//!
//! Secrets never reach this model: exchanges are redacted when they are recorded.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Severity;
use crate::scenario::diagnostic::SourceLocation;
use crate::scenario::model::Confidence;

/// Version of the `report.json` format. Bump it when a field's meaning changes or an
/// important field is added, with an entry in `schemas/report-changelog.md`.
pub const FORMAT_VERSION: u32 = 3;

/// Everything one run did.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "scim-harness run report")]
pub struct RunReport {
    /// Version of this format (see `schemas/report.schema.json`).
    pub format_version: u32,
    /// The tool that wrote the report.
    pub tool: ToolInfo,
    /// What was tested.
    pub target: TargetInfo,
    /// The selected scenarios (before `--partition`): how many, and a digest of their files.
    pub scenario_set: ScenarioSelection,
    /// The shard of the selection this run ran (`--partition`, e.g. `hash:1/3`); `null` for a
    /// whole run, and for the merge of every shard (`report merge`).
    pub partition: Option<String>,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// Wall time of the whole run, in milliseconds.
    pub duration_ms: u64,
    /// The overall outcome: set by the suites that gate (`--gate`).
    pub verdict: Verdict,
    /// One verdict per suite, first the RFC conformance suite, then each IdP profile and
    /// validator: *conformant / N violations* for the RFC, *ready / N blockers* for an IdP.
    pub suites: Vec<SuiteVerdict>,
    /// Counts.
    pub summary: Summary,
    /// How much the target throttled the run (429, 503 + `Retry-After`) and what waiting
    /// it out cost.
    pub throttling: ThrottleSummary,
    /// Why the run could not test the target, when `verdict` is `unreachable`, `not_scim`
    /// or `credentials_refused`.
    pub preflight_error: Option<String>,
    /// One entry per scenario, in the order they were loaded.
    pub scenarios: Vec<ScenarioReport>,
    /// Per requirement id: how its checks fared in this run.
    pub requirements: BTreeMap<String, RequirementVerdict>,
    /// How each entry of the `--baseline` file fared (empty without a baseline).
    pub baseline: Vec<BaselineOutcome>,
    /// What the target advertises (ServiceProviderConfig, ResourceTypes, probes), by feature
    /// name; scenarios needing an unsupported feature are skipped.
    pub features: BTreeMap<String, FeatureReport>,
}

/// One baseline entry after the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineOutcome {
    /// Scenario id.
    pub scenario: String,
    /// Step name, if the entry names one.
    pub step: Option<String>,
    /// Requirement id, if the entry names one.
    pub req: Option<String>,
    /// The reason given in the baseline.
    pub reason: String,
    /// What happened.
    pub status: BaselineStatus,
}

/// What happened to a baseline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    /// A matching check failed, as expected.
    StillFailing,
    /// Matching checks ran and all passed: the entry can be removed.
    NowPasses,
    /// No matching check ran (scenario skipped, or stopped earlier).
    NotReached,
}

/// Whether the target supports one feature, and how that was learnt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FeatureReport {
    /// Advertised (or probed) as supported.
    pub supported: bool,
    /// Run anyway because of `--force-feature`.
    pub forced: bool,
    /// Where the answer came from, e.g. `ServiceProviderConfig sort.supported = false`.
    pub source: String,
}

/// The selected scenarios, named by their content: shards of one selection carry the same
/// digest, and `report merge` refuses shards of different selections.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScenarioSelection {
    /// Scenarios selected.
    pub count: u32,
    /// SHA-256 (hex) over the selected scenarios sorted by id: for each, its id, a newline,
    /// the length of its file in bytes, a newline, and the file's content.
    pub sha256: String,
}

/// Tool name and version.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    /// `scim-harness`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// The server under test.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TargetInfo {
    /// SCIM base URL.
    pub base_url: String,
    /// `embedded` for the built-in reference server, `external` otherwise.
    pub kind: TargetKind,
}

/// Where the target came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// The built-in reference server, started for this run.
    Embedded,
    /// A server given with `--target`.
    External,
}

/// The outcome of a whole run; each maps to a distinct exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every MUST-level check passed (warnings allowed).
    Passed,
    /// At least one MUST-level check failed, or a scenario errored.
    Failed,
    /// The target did not answer (connection refused, DNS, timeout).
    Unreachable,
    /// The target answered, but not as a SCIM service provider.
    NotScim,
    /// The target refused the credentials (401/403): nothing was tested.
    CredentialsRefused,
    /// The run was stopped (Ctrl-C or the overall deadline); created resources were cleaned up.
    Interrupted,
    /// Every selected scenario was skipped (e.g. its feature is not advertised): nothing was checked.
    NothingRan,
}

/// What a suite judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuiteKind {
    /// RFC 7643/7644 conformance (`scenarios/core`, `scenarios/rfc`).
    Rfc,
    /// Replays of what an identity provider sends (`scenarios/idp/<profile>`).
    Idp,
    /// Replays of an IdP vendor's own validator or test suite.
    Validator,
}

/// The outcome of one suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuiteOutcome {
    /// RFC suite: no MUST-level violation.
    Conformant,
    /// RFC suite: MUST-level violations (`findings`).
    Violations,
    /// IdP suite: nothing would block this IdP.
    Ready,
    /// IdP suite: interop blockers (`findings`): this IdP's sync would fail.
    Blockers,
    /// Scenarios could not run to the end (transport errors, throttling, interruption).
    Incomplete,
    /// Every scenario of the suite was skipped.
    NotRun,
}

/// One suite's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SuiteVerdict {
    /// `rfc`, or the profile name (`okta-oin`, `entra`, `entra-validator`, …).
    pub id: String,
    /// What the suite judges.
    pub kind: SuiteKind,
    /// Human title, e.g. `RFC 7643/7644 conformance` or `Okta (OIN apps)`.
    pub title: String,
    /// The verdict.
    pub outcome: SuiteOutcome,
    /// MUST-level findings: RFC violations, or IdP blockers.
    pub findings: u32,
    /// SHOULD-level findings.
    pub warnings: u32,
    /// Scenarios that passed.
    pub passed: u32,
    /// Scenarios with a finding.
    pub failed: u32,
    /// Scenarios that could not run to the end.
    pub errored: u32,
    /// Scenarios not run.
    pub skipped: u32,
    /// Whether this verdict sets the exit code (`--gate`; default: every suite).
    pub gating: bool,
    /// For an IdP with blockers: what it does next, from the first blocker.
    pub next: Option<String>,
}

/// Counts over the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Scenarios that passed (possibly with warnings).
    pub passed: u32,
    /// Scenarios with a failed MUST-level check.
    pub failed: u32,
    /// Scenarios that could not run to the end for a reason other than a failed check
    /// (transport error, timeout, interruption).
    pub errored: u32,
    /// Scenarios not run.
    pub skipped: u32,
    /// Checks evaluated.
    pub checks: u32,
    /// Findings at MUST level: failed steps' root findings (a finding's repeats are not
    /// counted again). The headline number.
    pub findings: u32,
    /// Checks failed at MUST level (repeats included).
    pub check_failures: u32,
    /// Checks that could not be judged because their input was missing.
    pub not_evaluated: u32,
    /// Warnings: SHOULD-level findings (a warning folded under a finding of the same step
    /// is not counted again).
    pub warnings: u32,
    /// MAY-level observations that differ from the recorded expectation.
    pub notes: u32,
    /// HTTP requests sent (scenario steps and cleanup).
    pub requests: u32,
    /// Resources created during the run that cleanup could not delete.
    pub leaked_resources: u32,
    /// Failed checks that the baseline expects.
    pub expected_failures: u32,
    /// Baseline entries whose checks all passed: remove them from the baseline.
    pub unexpected_passes: u32,
}

/// One scenario's result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScenarioReport {
    /// Stable id (path below the scenario root, without extension).
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the scenario proves.
    pub description: Option<String>,
    /// The scenario file.
    pub file: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The IdP profile it replays (`okta-oin`, `entra`, …); none for RFC scenarios.
    pub profile: Option<String>,
    /// Outcome.
    pub status: ScenarioStatus,
    /// Wall time, in milliseconds.
    pub duration_ms: u64,
    /// Steps that ran, in order (steps after a failure are not run).
    pub steps: Vec<StepReport>,
    /// Steps not run because an earlier step failed.
    pub steps_not_run: Vec<String>,
    /// Deletions of resources the scenario created.
    pub cleanup: Vec<CleanupRecord>,
    /// Why the scenario errored or was skipped.
    pub error: Option<String>,
}

/// Outcome of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioStatus {
    /// Every MUST-level check passed.
    Passed,
    /// A MUST-level check failed.
    Failed,
    /// The scenario could not run to the end (transport error, timeout, interruption).
    Errored,
    /// Not run.
    Skipped,
}

/// One request/response and its checks.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StepReport {
    /// Step name.
    pub name: String,
    /// Where the step is written.
    pub location: SourceLocation,
    /// Outcome of the step.
    pub status: StepStatus,
    /// What was sent and what came back (secrets redacted).
    pub exchange: Exchange,
    /// A control step (the canonical form the later variant steps probe).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub control: bool,
    /// When the first answer was a server error and the request was sent again with nothing
    /// else in flight: that first exchange (`exchange` is the retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_attempt: Option<Exchange>,
    /// Every check, in order.
    pub checks: Vec<CheckResult>,
    /// Values captured for later steps.
    pub captures: BTreeMap<String, serde_json::Value>,
    /// A problem that prevented checking (transport error, unset variable, failed capture).
    pub error: Option<String>,
    /// What a real identity provider does when this step fails.
    pub impact: Option<String>,
    /// Where the step's behaviour comes from (IdP documentation, validator, published log).
    pub source: Option<String>,
    /// How the step is known, for IdP replays.
    pub confidence: Option<Confidence>,
}

/// Outcome of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// All MUST-level checks passed.
    Passed,
    /// A MUST-level check failed.
    Failed,
    /// The request could not be sent or answered, or a capture failed.
    Errored,
}

/// One HTTP exchange as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Exchange {
    /// The request.
    pub request: RecordedRequest,
    /// The response, if one arrived.
    pub response: Option<RecordedResponse>,
    /// When the (last) request was sent (RFC 3339, UTC, milliseconds); absent when nothing
    /// was sent (the step stopped before its request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// Time from sending to the end of the body, in milliseconds (of the last attempt).
    pub duration_ms: f64,
    /// Throttled answers (429, 503 + `Retry-After`) waited out before this one, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<RetryRecord>,
    /// Set when this answer is itself a throttling answer that was not retried: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttled: Option<String>,
}

/// A request as sent, with secrets redacted.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers as sent, in order (`Authorization` redacted).
    pub headers: Vec<(String, String)>,
    /// Body as text, if any.
    pub body: Option<String>,
}

/// A response as received.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RecordedResponse {
    /// HTTP status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy UTF-8), if any; cut at the size limit.
    pub body: Option<String>,
    /// True when the body was longer than the size limit and was cut.
    pub truncated: bool,
}

/// The result of one check.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    /// What was checked, e.g. `status is 201` or `/userName equals "alice"`.
    pub description: String,
    /// Where the check is written.
    pub location: SourceLocation,
    /// Pass or fail.
    pub outcome: CheckOutcome,
    /// How much a failure matters.
    pub severity: Severity,
    /// The requirement the check enforces.
    pub requirement: Option<RequirementRef>,
    /// The non-RFC source of the expectation (IdP documentation, validator test).
    pub source: Option<String>,
    /// Expected value, as text.
    pub expected: String,
    /// Observed value, as text.
    pub actual: String,
    /// Why this must hold, from the scenario.
    pub because: Option<String>,
    /// What a real identity provider does when this fails.
    pub impact: Option<String>,
    /// Schema violations, for `schema` checks.
    pub violations: Vec<SchemaViolation>,
    /// Set when the check failed and the target's baseline expects that: the reason given
    /// there. Such a failure neither fails the run nor stops the scenario.
    pub expected_failure: Option<String>,
    /// Set on a failed check that is a knock-on of an earlier failed check of the same step
    /// (its root finding): that check's index in `checks`. Repeats are shown folded under
    /// their root and are not counted as findings of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_of: Option<usize>,
    /// Set when the scenario grades this check away from its requirement's severity
    /// (`soften` / `harden`): from what, to what, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graded: Option<Grading>,
}

/// A check graded away from its requirement's severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Grading {
    /// The requirement's severity (MUST for a check citing only a source).
    pub from: Severity,
    /// The check's severity.
    pub to: Severity,
    /// Why.
    pub reason: String,
}

/// Pass or fail of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// The check held.
    Passed,
    /// The check did not hold; `severity` says how much that matters.
    Failed,
    /// The check could not be judged because its input is missing (a capture that found
    /// nothing, a body that is not JSON, a throttled answer); `actual` says what it depends
    /// on. It is neither a pass nor a failure.
    NotEvaluated,
}

/// A cited catalog requirement.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RequirementRef {
    /// Catalog id, e.g. `P-3.3-01`.
    pub id: String,
    /// RFC 2119 keyword(s).
    pub keyword: String,
    /// RFC and section, e.g. `RFC 7644 §3.3`.
    pub section: String,
    /// What the RFC requires, paraphrased.
    pub text: String,
    /// Why the catalog grades this requirement other than its keyword says, when it does
    /// (e.g. a MUST that binds the client, graded as a warning on the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_note: Option<String>,
}

/// One JSON Schema violation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SchemaViolation {
    /// JSON Pointer into the body.
    pub instance_path: String,
    /// What is wrong.
    pub message: String,
}

/// Deletion of one resource the run created.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CleanupRecord {
    /// The resource's URL.
    pub url: String,
    /// Status of the DELETE, if it was answered.
    pub status: Option<u16>,
    /// True when the resource is gone (204, 200 or 404).
    pub deleted: bool,
    /// Transport error, if any.
    pub error: Option<String>,
}

/// How a requirement fared across all checks citing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequirementVerdict {
    /// Worst outcome: `failed` if any citing check failed, else `passed`.
    pub outcome: CheckOutcome,
    /// Severity from the catalog keyword.
    pub severity: Severity,
    /// Checks citing it that passed.
    pub passed: u32,
    /// Checks citing it that failed.
    pub failed: u32,
    /// Checks citing it that could not be judged (their input was missing).
    #[serde(default)]
    pub not_evaluated: u32,
}

impl CheckResult {
    /// True when this check failed at MUST level and the baseline does not expect it.
    pub fn is_failure(&self) -> bool {
        self.outcome == CheckOutcome::Failed
            && self.severity == Severity::Must
            && self.expected_failure.is_none()
    }

    /// True when this check failed at SHOULD level and the baseline does not expect it.
    pub fn is_warning(&self) -> bool {
        self.outcome == CheckOutcome::Failed
            && self.severity == Severity::Should
            && self.expected_failure.is_none()
    }

    /// For a check the harness adds to every answer (response hygiene, flakiness), the key
    /// under which its failures across the run are one finding; `None` for scenario checks.
    pub fn run_wide_key(&self) -> Option<&str> {
        self.source.as_deref().filter(|s| s.starts_with("harness:"))
    }

    /// The citation as one line: `P-3.3-01 (SHALL, RFC 7644 §3.3)` or the source.
    pub fn citation(&self) -> String {
        match (&self.requirement, &self.source) {
            (Some(r), _) => format!("{} ({}, {})", r.id, r.keyword, r.section),
            (None, Some(s)) => s.clone(),
            (None, None) => String::new(),
        }
    }
}

impl RunReport {
    /// Failed MUST-level checks with their scenario and step, in run order.
    pub fn failures(&self) -> impl Iterator<Item = (&ScenarioReport, &StepReport, &CheckResult)> {
        self.scenarios.iter().flat_map(|s| {
            s.steps.iter().flat_map(move |st| {
                st.checks
                    .iter()
                    .filter(|c| c.is_failure())
                    .map(move |c| (s, st, c))
            })
        })
    }
}

/// One throttled answer that was waited out and retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RetryRecord {
    /// Status of the throttled answer (429 or 503).
    pub status: u16,
    /// Its `Retry-After` header, as sent.
    pub retry_after: Option<String>,
    /// How long the client waited before trying again, in milliseconds.
    pub waited_ms: u64,
}

/// Throttling over a run, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ThrottleSummary {
    /// Throttled answers received (429, or 503 with `Retry-After`).
    pub throttled: u32,
    /// Requests sent again after waiting.
    pub retries: u32,
    /// Throttled answers kept as final (retries or budget exhausted, wait too long).
    pub gave_up: u32,
    /// Time spent waiting, in milliseconds: what throttling added to the run.
    pub waited_ms: u64,
}
