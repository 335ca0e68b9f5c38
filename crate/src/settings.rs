//! Retries, timeouts and other knobs of a [`Bedrock`](crate::Bedrock) handle.

use std::time::Duration;

/// Tool rounds [`Bedrock::run_tools`](crate::Bedrock::run_tools) allows before it stops.
pub const MAX_TOOL_ROUNDS: usize = 5;

/// Models [`Bedrock::compare`](crate::Bedrock::compare) calls at the same time: enough for the
/// workshop's model lists (five current, seven original) in one round, few enough to stay clear of per-account rate limits.
pub const COMPARE_CONCURRENCY: usize = 8;

/// How the SDK retries throttling and transient errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// Exponential backoff with jitter (the SDK's default).
    Standard,
    /// Standard plus client-side rate limiting that slows down after throttling.
    Adaptive,
}

/// Plain settings carried by a [`Bedrock`](crate::Bedrock) handle; every call reads them.
///
/// ```
/// use std::time::Duration;
/// use bedrock_kit::{RetryMode, Settings};
/// let settings = Settings::default().retry_mode(RetryMode::Adaptive).max_attempts(5)
///     .stream_idle_timeout(Duration::from_secs(30));
/// assert_eq!(settings.max_attempts, 5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Standard or adaptive retries.
    pub retry_mode: RetryMode,
    /// Attempts per call, the first included (1 disables retries).
    pub max_attempts: u32,
    /// First retry delay; later ones grow exponentially (with jitter).
    pub initial_backoff: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole non-streaming call, retries included.
    pub operation_timeout: Duration,
    /// Longest silence allowed between two events of a stream.
    pub stream_idle_timeout: Duration,
    /// Print streamed text as it arrives (a whole line at a time).
    pub echo: bool,
    /// Models called at once by `compare`.
    pub concurrency: usize,
    /// Tool rounds allowed by `run_tools`.
    pub max_tool_rounds: usize,
    /// Retry a bare model id once with the region's inference profile when Bedrock refuses it
    /// on demand (turn off to see the refusal itself).
    pub profile_retry: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retry_mode: RetryMode::Standard,
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(300),
            stream_idle_timeout: Duration::from_secs(60),
            echo: true,
            concurrency: COMPARE_CONCURRENCY,
            max_tool_rounds: MAX_TOOL_ROUNDS,
            profile_retry: true,
        }
    }
}

impl Settings {
    /// Standard or adaptive retries.
    pub fn retry_mode(mut self, mode: RetryMode) -> Self {
        self.retry_mode = mode;
        self
    }

    /// Attempts per call (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// First retry delay.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Time allowed to open a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a whole non-streaming call.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Longest silence allowed between two stream events.
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// Print streamed text as it arrives.
    pub fn echo(mut self, echo: bool) -> Self {
        self.echo = echo;
        self
    }

    /// Models called at once by `compare` (at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Tool rounds allowed by `run_tools`.
    pub fn max_tool_rounds(mut self, rounds: usize) -> Self {
        self.max_tool_rounds = rounds;
        self
    }

    /// Whether a bare id refused on demand is retried once with the region's profile.
    pub fn profile_retry(mut self, retry: bool) -> Self {
        self.profile_retry = retry;
        self
    }
}
