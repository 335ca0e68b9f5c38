//! What an endpoint has served since it started: `GET /_local/stats` over HTTP, and
//! [`LocalEndpoint::stats`](crate::LocalEndpoint::stats) in-process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::http::header::CONTENT_TYPE;
use axum::response::Response;

/// The path of the stats, answered to `GET` without a signature.
pub const STATS_PATH: &str = "/_local/stats";

/// Counts since the endpoint started. Nothing in it is secret: no key, token or request content.
///
/// `GET /_local/stats` answers the same numbers as a JSON object with these field names.
///
/// ```
/// let endpoint = bedrock_local::start(bedrock_local::Config::new())?;
/// let stats = endpoint.stats();
/// assert_eq!((stats.connections_accepted, stats.requests), (0, 0));
/// # Ok::<(), bedrock_local::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Stats {
    /// TCP connections accepted. A keep-alive connection counts once however many requests it
    /// carries; a router driven without a server (`oneshot`) accepts none.
    pub connections_accepted: u64,
    /// Requests answered: every operation, refused and unknown ones included, counted when the
    /// answer (a stream's head) is ready. Requests for the stats themselves do not count.
    pub requests: u64,
    /// Of `requests`, those answered with an error status (4xx or 5xx). A stream that ends in an
    /// exception frame started with 200 and is not one.
    pub errors: u64,
    /// Of `requests`, the event streams started (ConverseStream, InvokeModelWithResponseStream).
    pub streams: u64,
    /// Milliseconds since the endpoint started.
    pub uptime_ms: u64,
}

/// The live counters behind [`Stats`], shared by the server, its handlers and the
/// [`LocalEndpoint`](crate::LocalEndpoint) handle.
#[derive(Debug)]
pub(crate) struct Counters {
    started: Instant,
    connections_accepted: AtomicU64,
    requests: AtomicU64,
    errors: AtomicU64,
    streams: AtomicU64,
}

impl Counters {
    /// Counters at zero, the clock starting now.
    pub(crate) fn new() -> Self {
        Counters {
            started: Instant::now(),
            connections_accepted: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            streams: AtomicU64::new(0),
        }
    }

    /// One TCP connection accepted.
    pub(crate) fn connection_accepted(&self) {
        // Independent counters read for a report: no ordering with other memory is needed.
        self.connections_accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// One request answered with `response`.
    pub(crate) fn answered(&self, response: &Response) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if response.status().is_client_error() || response.status().is_server_error() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        let streams = response
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes() == crate::eventstream::CONTENT_TYPE.as_bytes());
        if streams {
            self.streams.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts now.
    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            connections_accepted: self.connections_accepted.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            streams: self.streams.load(Ordering::Relaxed),
            uptime_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }
}
