//! The clock the prompt cache ages its entries by: the machine's, or a manual one that a test
//! moves forward (in-process with [`Clock::advance`], over HTTP with `POST /_local/clock`).
//!
//! Only the prompt cache reads it. Signatures are still checked against the real time, because
//! the SDKs sign with the real time, and moving their clock would make every request "expired".

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The path of the manual clock's control, answered to `POST` without a signature, and only by
/// an endpoint started with [`Clock::manual`] (`--test-clock`).
pub const CLOCK_PATH: &str = "/_local/clock";

/// A clock that tells time since it was made. Clones share one clock.
///
/// ```
/// use std::time::Duration;
/// let clock = bedrock_local::Clock::manual();
/// let config = bedrock_local::Config::new().clock(clock.clone());
/// assert!(clock.advance(Duration::from_secs(301)));
/// assert_eq!(clock.now(), Duration::from_secs(301));
/// assert!(!bedrock_local::Clock::system().advance(Duration::from_secs(1)));
/// # drop(config);
/// ```
#[derive(Debug, Clone)]
pub struct Clock {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    System(Instant),
    /// Milliseconds advanced so far: time moves only when a test says so.
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// The machine's monotonic clock (the default).
    pub fn system() -> Clock {
        Clock {
            kind: Kind::System(Instant::now()),
        }
    }

    /// A clock at zero that moves only by [`advance`](Self::advance), so a test can expire a
    /// cache entry without waiting five minutes.
    pub fn manual() -> Clock {
        Clock {
            kind: Kind::Manual(Arc::new(AtomicU64::new(0))),
        }
    }

    /// Whether this is a manual clock.
    pub fn is_manual(&self) -> bool {
        matches!(self.kind, Kind::Manual(_))
    }

    /// Time since the clock was made (for a manual clock: everything advanced so far).
    pub fn now(&self) -> Duration {
        match &self.kind {
            Kind::System(start) => start.elapsed(),
            // One counter read on its own: no ordering with other memory is needed.
            Kind::Manual(millis) => Duration::from_millis(millis.load(Ordering::Relaxed)),
        }
    }

    /// Move a manual clock forward by `by` (whole milliseconds); `false`, and nothing moves,
    /// for the system clock.
    pub fn advance(&self, by: Duration) -> bool {
        match &self.kind {
            Kind::System(_) => false,
            Kind::Manual(millis) => {
                let step = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
                // fetch_update only fails when the closure returns None, and it never does.
                let _ = millis.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
                    Some(now.saturating_add(step))
                });
                true
            }
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_clones_share_it() {
        let clock = Clock::manual();
        let copy = clock.clone();
        assert_eq!(clock.now(), Duration::ZERO);
        assert!(copy.advance(Duration::from_millis(1500)));
        assert_eq!(clock.now(), Duration::from_millis(1500));
        assert!(clock.is_manual());
    }

    #[test]
    fn the_system_clock_cannot_be_advanced() {
        let clock = Clock::system();
        let before = clock.now();
        assert!(!clock.advance(Duration::from_secs(3600)));
        assert!(clock.now() < before + Duration::from_secs(3600));
        assert!(!clock.is_manual());
    }
}
