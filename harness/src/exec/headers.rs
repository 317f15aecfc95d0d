//! Caps on response headers: a target can send hundreds of kilobytes of headers per
//! response, which would otherwise be kept for every check and copied into every report.
//! What is cut is said in a pseudo-header, so no report silently loses data.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Name of the entry that says what was cut (not a valid HTTP header name, so it can never
/// be confused with one the target sent).
pub const CUT: &str = "[cut]";

/// Header bytes (names and values) kept of one response.
pub const PER_RESPONSE: usize = 32 * 1024;

/// Header bytes recorded in exchanges over a whole run (the report).
pub const PER_RUN: usize = 4 * 1024 * 1024;

/// Keeps headers in order until `limit` bytes; the rest are replaced by one [`CUT`] entry.
pub fn cap(headers: Vec<(String, String)>, limit: usize) -> Vec<(String, String)> {
    let total: usize = headers.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total <= limit {
        return headers;
    }
    let mut kept = Vec::new();
    let mut used = 0;
    let count = headers.len();
    for (k, v) in headers {
        let size = k.len() + v.len();
        if used + size > limit {
            break;
        }
        used += size;
        kept.push((k, v));
    }
    let cut = count - kept.len();
    kept.push((
        CUT.to_string(),
        format!(
            "{cut} of {count} header(s), {} of {total} bytes, not kept: headers are capped at {limit} bytes per response",
            total - used
        ),
    ));
    kept
}

/// The run-wide budget for recorded headers. Shared by every clone of a client.
#[derive(Debug, Default)]
pub struct RecordBudget {
    used: AtomicUsize,
}

impl RecordBudget {
    /// `headers` to record, or one [`CUT`] entry once the run has recorded `limit` bytes.
    pub fn record(&self, headers: Vec<(String, String)>, limit: usize) -> Vec<(String, String)> {
        let size: usize = headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        let before = self.used.fetch_add(size, Ordering::Relaxed);
        if before + size <= limit {
            return headers;
        }
        vec![(
            CUT.to_string(),
            format!(
                "{} header(s), {size} bytes, not recorded: this run's reports already hold {limit} bytes of headers",
                headers.len()
            ),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(n: usize, value_len: usize) -> Vec<(String, String)> {
        (0..n)
            .map(|i| (format!("x-h{i}"), "v".repeat(value_len)))
            .collect()
    }

    #[test]
    fn small_header_sets_are_kept_whole() {
        assert_eq!(cap(headers(3, 10), 100), headers(3, 10));
    }

    #[test]
    fn large_header_sets_are_cut_and_say_so() {
        // 90 headers of 4 KB, as a hostile target sent.
        let kept = cap(headers(90, 4096), PER_RESPONSE);
        let bytes: usize = kept.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(bytes <= PER_RESPONSE + 200, "{bytes}");
        let (name, note) = kept.last().unwrap();
        assert_eq!(name, CUT);
        assert!(note.starts_with("83 of 90 header(s)"), "{note}");
    }

    #[test]
    fn the_run_budget_stops_recording_and_says_so() {
        let budget = RecordBudget::default();
        assert_eq!(budget.record(headers(2, 40), 100), headers(2, 40));
        let cut = budget.record(headers(2, 40), 100);
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].0, CUT);
        assert!(cut[0].1.contains("already hold 100 bytes"), "{:?}", cut);
    }
}
