//! The time source. Production reads the system clock; tests use a manual clock they move.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// Milliseconds since the Unix epoch, UTC: how every time is stored.
pub type Millis = i64;

/// A clock that is cheap to clone and can be frozen for tests.
#[derive(Clone, Debug)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The real clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that stands still at `start` until moved with [`Clock::advance`].
    pub fn manual(start: Millis) -> Self {
        Self(Some(Arc::new(AtomicI64::new(start))))
    }

    pub fn now(&self) -> Millis {
        match &self.0 {
            None => {
                let now = time::OffsetDateTime::now_utc();
                (now.unix_timestamp_nanos() / 1_000_000) as Millis
            }
            Some(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; a system clock ignores it.
    pub fn advance(&self, by: time::Duration) {
        if let Some(t) = &self.0 {
            t.fetch_add(by.whole_milliseconds() as i64, Ordering::SeqCst);
        }
    }
}
