//! A run-wide stop signal (Ctrl-C, the overall deadline), shared by every scenario task.

use std::sync::{Arc, OnceLock};

use tokio::sync::watch;
use tokio::time::Instant;

/// A run-wide stop signal (Ctrl-C, deadline). Cloning shares it.
#[derive(Clone)]
pub struct Cancel {
    tx: Arc<watch::Sender<Option<String>>>,
    at: Arc<OnceLock<Instant>>,
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel {
            tx: Arc::new(watch::channel(None).0),
            at: Arc::new(OnceLock::new()),
        }
    }
}

impl Cancel {
    /// Stops the run, giving the reason shown in the report.
    pub fn cancel(&self, reason: &str) {
        let _ = self.at.get_or_init(Instant::now);
        self.tx.send_if_modified(|r| {
            if r.is_none() {
                *r = Some(reason.to_string());
                true
            } else {
                false
            }
        });
    }

    /// The reason, once cancelled.
    pub fn reason(&self) -> Option<String> {
        self.tx.borrow().clone()
    }

    /// When the run was cancelled, if it was.
    pub fn cancelled_at(&self) -> Option<Instant> {
        self.at.get().copied()
    }

    /// Until when cleanup may run: `budget` from now, or from the moment the run was
    /// cancelled (so an interrupted run ends within one budget, however many scenarios clean up).
    pub fn cleanup_until(&self, budget: std::time::Duration) -> Instant {
        self.cancelled_at().unwrap_or_else(Instant::now) + budget
    }

    /// Resolves when the run is cancelled.
    pub async fn cancelled(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives in `self`, so `wait_for` only returns once a reason is set.
        let _ = rx.wait_for(Option::is_some).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancel_wakes_waiters_and_keeps_the_first_reason() {
        let c = Cancel::default();
        let waiter = tokio::spawn({
            let c = c.clone();
            async move { c.cancelled().await }
        });
        c.cancel("ctrl-c");
        c.cancel("deadline");
        waiter.await.unwrap();
        assert_eq!(c.reason().as_deref(), Some("ctrl-c"));
    }
}
