//! How each IdP backs off when the target answers `429 Too Many Requests` or `503 Service
//! Unavailable`, and what that costs the sync (idp-behaviors.md §1.8, §2.8).
//!
//! - Okta reschedules the throttled job after `Retry-After`; the other jobs go on
//!   ([DOC-ish]: documented for the Slack connector, generic SCIM apps unconfirmed).
//! - Entra pauses the whole job for `Retry-After` and then retries only the failed
//!   requests ([UNC]: one 2025 Microsoft Q&A answer; others describe failures retried in the
//!   next cycle, 40 minutes later, and quarantine).
//! - Google: not documented; exponential backoff from 1 s that honours `Retry-After`
//!   (reconstructed).
//!
//! Every wait is capped by `--max-retry-wait` so a load run stays bounded; the report says
//! how long the sync was stretched.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::simulate::Idp;

/// What to do with a throttled request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send it again after this wait.
    Retry(Duration),
    /// Give up (counted as an error: the IdP leaves the object out of sync for now).
    GiveUp,
}

/// How an IdP reacts to throttling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Only the throttled request waits (Okta).
    PerRequest,
    /// Every request waits until the pause ends (Entra).
    PauseAll,
    /// The throttled request waits, doubling from 1 s (Google).
    Backoff,
}

impl Policy {
    /// The policy of an IdP.
    pub fn of(idp: Idp) -> Policy {
        match idp {
            Idp::OktaOin | Idp::OktaAiw => Policy::PerRequest,
            Idp::Entra | Idp::EntraCompliant => Policy::PauseAll,
            Idp::Google => Policy::Backoff,
        }
    }

    /// One sentence for the report, with its source.
    pub fn describe(self) -> &'static str {
        match self {
            Policy::PerRequest => {
                "Okta reschedules a throttled request after Retry-After while other requests go \
                 on (documented for the Slack connector; generic SCIM apps unconfirmed)"
            }
            Policy::PauseAll => {
                "Entra pauses the whole job for Retry-After, then retries the failed requests \
                 (unconfirmed: Microsoft answers contradict each other; the real job may instead \
                 retry in its next cycle, 40 minutes later, and quarantine after many failures)"
            }
            Policy::Backoff => {
                "Google's behaviour is not documented; exponential backoff from 1 s honouring \
                 Retry-After (reconstructed)"
            }
        }
    }
}

/// Requests are sent again at most this often before the IdP gives up on them.
pub const MAX_RETRIES: u32 = 5;

/// Shared throttle state of a run.
#[derive(Debug)]
pub struct Throttle {
    policy: Policy,
    max_wait: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    paused_until: Option<Instant>,
    paused: Duration,
    waited: Duration,
    retries: u64,
    gave_up: u64,
    r429: u64,
    r503: u64,
}

/// Throttling totals.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThrottleTotals {
    /// 429 answers.
    pub r429: u64,
    /// 503 answers.
    pub r503: u64,
    /// Retries sent.
    pub retries: u64,
    /// Requests given up.
    pub gave_up: u64,
    /// Sum of individual waits.
    pub waited: Duration,
    /// Wall time of job-wide pauses.
    pub paused: Duration,
}

impl Throttle {
    /// The IdP's throttle behaviour, each wait at most `max_wait`.
    pub fn new(idp: Idp, max_wait: Duration) -> Self {
        Throttle {
            policy: Policy::of(idp),
            max_wait,
            state: Mutex::new(State::default()),
        }
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long a request about to be sent must wait for a job-wide pause (zero if none).
    pub fn pause_left(&self) -> Duration {
        let g = self.lock();
        g.paused_until
            .map(|until| until.saturating_duration_since(Instant::now()))
            .unwrap_or_default()
    }

    /// A request got `status` (429 or 503) with `retry_after`, on its `attempt`-th try
    /// (from 1): what now.
    pub fn on_throttled(
        &self,
        status: u16,
        retry_after: Option<Duration>,
        attempt: u32,
    ) -> Decision {
        let mut g = self.lock();
        if status == 429 {
            g.r429 += 1;
        } else {
            g.r503 += 1;
        }
        if attempt > MAX_RETRIES {
            g.gave_up += 1;
            return Decision::GiveUp;
        }
        let wait = match self.policy {
            // Without Retry-After: a minute (Okta's rate-limit windows are per minute).
            Policy::PerRequest => retry_after.unwrap_or(Duration::from_secs(60)),
            Policy::PauseAll => retry_after.unwrap_or(Duration::from_secs(60)),
            Policy::Backoff => {
                let backoff = Duration::from_secs(1 << (attempt - 1).min(6));
                retry_after.map_or(backoff, |r| r.max(backoff))
            }
        }
        .min(self.max_wait);
        g.retries += 1;
        if self.policy == Policy::PauseAll {
            let now = Instant::now();
            let until = now + wait;
            match g.paused_until {
                Some(cur) if cur > now => {
                    if until > cur {
                        g.paused += until - cur;
                        g.paused_until = Some(until);
                    }
                }
                _ => {
                    g.paused += wait;
                    g.paused_until = Some(until);
                }
            }
        }
        g.waited += wait;
        Decision::Retry(wait)
    }

    /// Totals so far.
    pub fn totals(&self) -> ThrottleTotals {
        let g = self.lock();
        ThrottleTotals {
            r429: g.r429,
            r503: g.r503,
            retries: g.retries,
            gave_up: g.gave_up,
            waited: g.waited,
            paused: g.paused,
        }
    }
}

/// `Retry-After` as seconds or an HTTP date, read as the conformance run reads it
/// ([`crate::exec::retry::parse_retry_after`]); the wait is then capped by the IdP's policy
/// and `--max-retry-wait`.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    crate::exec::retry::parse_retry_after(value, std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_waits_retry_after_per_request_and_gives_up_after_the_limit() {
        let t = Throttle::new(Idp::OktaOin, Duration::from_secs(30));
        assert_eq!(
            t.on_throttled(429, Some(Duration::from_secs(2)), 1),
            Decision::Retry(Duration::from_secs(2))
        );
        assert_eq!(t.pause_left(), Duration::ZERO);
        // Capped by --max-retry-wait.
        assert_eq!(
            t.on_throttled(503, None, 2),
            Decision::Retry(Duration::from_secs(30))
        );
        assert_eq!(t.on_throttled(429, None, MAX_RETRIES + 1), Decision::GiveUp);
        let totals = t.totals();
        assert_eq!(
            (totals.r429, totals.r503, totals.retries, totals.gave_up),
            (2, 1, 2, 1)
        );
        assert_eq!(totals.waited, Duration::from_secs(32));
    }

    #[test]
    fn entra_pauses_everything_and_overlapping_pauses_count_once() {
        let t = Throttle::new(Idp::Entra, Duration::from_secs(60));
        t.on_throttled(429, Some(Duration::from_secs(5)), 1);
        t.on_throttled(429, Some(Duration::from_secs(5)), 1);
        assert!(t.pause_left() > Duration::from_secs(4));
        let paused = t.totals().paused;
        assert!(
            paused >= Duration::from_secs(5) && paused < Duration::from_secs(6),
            "{paused:?}"
        );
    }

    #[test]
    fn google_backs_off_exponentially_but_not_below_retry_after() {
        let t = Throttle::new(Idp::Google, Duration::from_secs(60));
        assert_eq!(
            t.on_throttled(429, None, 3),
            Decision::Retry(Duration::from_secs(4))
        );
        assert_eq!(
            t.on_throttled(429, Some(Duration::from_secs(9)), 1),
            Decision::Retry(Duration::from_secs(9))
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("soon"), None);
        let past = httpdate::fmt_http_date(std::time::UNIX_EPOCH);
        assert_eq!(parse_retry_after(&past), Some(Duration::ZERO));
    }
}
