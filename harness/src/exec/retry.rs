//! Throttling: how the client honours `429 Too Many Requests` and `503 Service Unavailable`
//! with `Retry-After` (RFC 9110 §10.2.3, RFC 6585 §4), as Okta and Entra back off too.
//!
//! Every SaaS SCIM endpoint rate-limits, so a throttled answer is not a conformance failure:
//! the client waits as asked (seconds or an HTTP date), within bounds, and tries again. A 429
//! without `Retry-After` gets a bounded exponential back-off; a 503 without it is an answer
//! like any other. Each wait is recorded in the exchange and summed up for the report.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::run_report::ThrottleSummary;

/// How long and how often the client waits for a throttling target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries of one request (0 turns retrying off).
    pub max_retries: u32,
    /// Longest single wait; a `Retry-After` asking for more is not waited for.
    pub max_wait: Duration,
    /// Total waiting over the whole run; once spent, throttled answers are final.
    pub budget: Duration,
    /// First back-off for a 429 without `Retry-After` (doubled at each retry).
    pub first_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            max_wait: Duration::from_secs(30),
            budget: Duration::from_secs(300),
            first_backoff: Duration::from_millis(500),
        }
    }
}

/// What the client should do with a throttled answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Wait this long, then send again.
    Wait(Duration),
    /// Keep this answer: why no retry is made.
    GiveUp(String),
}

/// Whether `status` with this `Retry-After` header is a throttling answer at all.
pub fn is_throttled(status: u16, retry_after: Option<&str>) -> bool {
    status == 429 || (status == 503 && retry_after.is_some())
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). A date in the
/// past means "now".
///
/// HTTP dates are read by `httpdate`, which takes all three forms a recipient must accept
/// (RFC 9110 §5.6.7): IMF-fixdate and the obsolete RFC 850 and asctime forms. jiff, which
/// does the project's other calendar work, reads only the first.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        // Not RFC syntax, but seen in the wild ("1.5"); honour it rather than give up.
        return Some(Duration::from_secs_f64(secs.min(1e9)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

impl RetryPolicy {
    /// Decides about one throttled answer: `attempt` retries were made already and
    /// `spent` is what the run has waited so far.
    pub fn decide(
        &self,
        status: u16,
        retry_after: Option<&str>,
        attempt: u32,
        spent: Duration,
    ) -> Decision {
        if attempt >= self.max_retries {
            return Decision::GiveUp(format!(
                "still {status} after {} retr{} (--retries {})",
                attempt,
                if attempt == 1 { "y" } else { "ies" },
                self.max_retries
            ));
        }
        let wait = match retry_after {
            Some(value) => match parse_retry_after(value, SystemTime::now()) {
                Some(d) => d,
                None if status == 429 => self.backoff(attempt),
                None => {
                    return Decision::GiveUp(format!(
                        "{status} with an unreadable Retry-After `{value}`"
                    ));
                }
            },
            None => self.backoff(attempt),
        };
        if wait > self.max_wait {
            return Decision::GiveUp(format!(
                "{status} asks to wait {} s, more than --retry-max-wait {} s",
                wait.as_secs(),
                self.max_wait.as_secs()
            ));
        }
        if spent + wait > self.budget {
            return Decision::GiveUp(format!(
                "{status}: the run's retry budget of {} s is spent (--retry-budget)",
                self.budget.as_secs()
            ));
        }
        Decision::Wait(wait)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.first_backoff
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_wait)
    }
}

/// Run-wide throttling counters, shared by every clone of a client.
#[derive(Debug, Default, Clone)]
pub struct ThrottleStats {
    inner: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    throttled: AtomicU32,
    retries: AtomicU32,
    gave_up: AtomicU32,
    waited_ms: AtomicU64,
}

impl ThrottleStats {
    /// Counts one throttled answer.
    pub fn throttled(&self) {
        self.inner.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one retry after `waited`.
    pub fn retried(&self, waited: Duration) {
        self.inner.retries.fetch_add(1, Ordering::Relaxed);
        self.inner
            .waited_ms
            .fetch_add(waited.as_millis() as u64, Ordering::Relaxed);
    }

    /// Counts a throttled answer kept as final.
    pub fn gave_up(&self) {
        self.inner.gave_up.fetch_add(1, Ordering::Relaxed);
    }

    /// Time waited so far.
    pub fn spent(&self) -> Duration {
        Duration::from_millis(self.inner.waited_ms.load(Ordering::Relaxed))
    }

    /// The counters now.
    pub fn summary(&self) -> ThrottleSummary {
        ThrottleSummary {
            throttled: self.inner.throttled.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
            gave_up: self.inner.gave_up.load(Ordering::Relaxed),
            waited_ms: self.inner.waited_ms.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::from_secs(0)));
        // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    /// RFC 9110 §5.6.7: a recipient must accept all three HTTP-date forms, the obsolete
    /// RFC 850 and asctime ones included, and nothing looser.
    #[test]
    fn retry_after_reads_every_http_date_form() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        for date in [
            "Wed, 21 Oct 2015 07:28:05 GMT",
            "Wednesday, 21-Oct-15 07:28:05 GMT",
            "Wed Oct 21 07:28:05 2015",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(Duration::from_secs(5)),
                "{date}"
            );
        }
        for refused in [
            "Thu, 21 Oct 2015 07:28:05 GMT",
            "Wed, 21 Oct 2015 07:28:05 UTC",
            "Wed, 21 Oct 2015 07:28:05 +0000",
            "21 Oct 2015 07:28:05 GMT",
            "Wed, 21 Oct 2015 07:28 GMT",
            "2015-10-21T07:28:05Z",
            "Wed, 31 Feb 2015 07:28:05 GMT",
        ] {
            assert_eq!(parse_retry_after(refused, now), None, "{refused}");
        }
    }

    #[test]
    fn throttling_answers_are_429_or_503_with_retry_after() {
        assert!(is_throttled(429, None));
        assert!(is_throttled(503, Some("1")));
        assert!(!is_throttled(503, None));
        assert!(!is_throttled(500, Some("1")));
    }

    #[test]
    fn decisions_are_bounded_by_retries_wait_and_budget() {
        let p = RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(10),
            budget: Duration::from_secs(12),
            first_backoff: Duration::from_millis(100),
        };
        assert_eq!(
            p.decide(429, Some("2"), 0, Duration::ZERO),
            Decision::Wait(Duration::from_secs(2))
        );
        // Exponential back-off without Retry-After.
        assert_eq!(
            p.decide(429, None, 0, Duration::ZERO),
            Decision::Wait(Duration::from_millis(100))
        );
        assert_eq!(
            p.decide(429, None, 2, Duration::ZERO),
            Decision::Wait(Duration::from_millis(400))
        );
        assert!(matches!(
            p.decide(429, Some("2"), 3, Duration::ZERO),
            Decision::GiveUp(why) if why.contains("--retries 3")
        ));
        assert!(matches!(
            p.decide(429, Some("3600"), 0, Duration::ZERO),
            Decision::GiveUp(why) if why.contains("--retry-max-wait")
        ));
        assert!(matches!(
            p.decide(503, Some("5"), 0, Duration::from_secs(8)),
            Decision::GiveUp(why) if why.contains("--retry-budget")
        ));
        assert!(matches!(
            p.decide(503, Some("later"), 0, Duration::ZERO),
            Decision::GiveUp(_)
        ));
    }

    #[test]
    fn stats_add_up() {
        let s = ThrottleStats::default();
        s.throttled();
        s.throttled();
        s.retried(Duration::from_millis(250));
        s.gave_up();
        assert_eq!(
            s.summary(),
            ThrottleSummary {
                throttled: 2,
                retries: 1,
                gave_up: 1,
                waited_ms: 250
            }
        );
        assert_eq!(s.clone().spent(), Duration::from_millis(250));
    }
}
