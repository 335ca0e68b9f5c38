//! Running the endpoint: [`start`] on a background thread (for the support crate, tests and
//! notebooks) or [`serve`] on the caller's runtime (for the binary).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::app::{AppState, app};
use crate::background::{Background, Serving, serve_gracefully};
use crate::config::{Config, Credentials};
use crate::journal::{Journal, Received};
use crate::stats::{Counters, Stats};

/// Why an endpoint could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The address is not loopback and [`Config::allow_non_loopback`] was not set.
    #[error(
        "refusing to listen on {0}: it is not a loopback address; pass --allow-non-loopback (or Config::allow_non_loopback(true)) to serve the network"
    )]
    NonLoopback(SocketAddr),
    /// Binding the address failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The runtime or server failed.
    #[error("local endpoint failed: {0}")]
    Io(#[from] std::io::Error),
    /// The server thread ended before it was ready.
    #[error("local endpoint thread ended before it was ready")]
    ThreadEnded,
}

/// A running local endpoint; stops when [`LocalEndpoint::stop`] is called or it is dropped.
pub struct LocalEndpoint {
    addr: SocketAddr,
    region: String,
    credentials: Credentials,
    journal: Journal,
    counters: Arc<Counters>,
    server: Background,
}

impl std::fmt::Debug for LocalEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEndpoint")
            .field("addr", &self.addr)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl LocalEndpoint {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, ready for an SDK's `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The region callers should use (`us-east-1` unless configured).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The credentials requests must be signed with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The last requests received, oldest first, when the endpoint was started with
    /// [`Config::keep_requests`] (otherwise empty).
    ///
    /// ```
    /// let endpoint = bedrock_local::start(bedrock_local::Config::new().keep_requests(8))?;
    /// assert!(endpoint.received().is_empty());
    /// # Ok::<(), bedrock_local::Error>(())
    /// ```
    pub fn received(&self) -> Vec<Received> {
        self.journal.entries()
    }

    /// What the endpoint served since it started: the numbers `GET /_local/stats` answers.
    ///
    /// ```
    /// let endpoint = bedrock_local::start(bedrock_local::Config::new())?;
    /// assert_eq!(endpoint.stats().requests, 0);
    /// # Ok::<(), bedrock_local::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Stop accepting requests, let open ones finish (up to 2 s), and wait for the thread.
    pub fn stop(mut self) {
        self.server.stop();
    }
}

pub(crate) fn check_address(config: &Config) -> Result<(), Error> {
    if config.addr.ip().is_loopback() {
        return Ok(());
    }
    if config.allow_non_loopback {
        tracing::warn!(addr = %config.addr, "bedrock-local is listening on a non-loopback address: anyone who can reach it and knows the credentials can call it");
        return Ok(());
    }
    Err(Error::NonLoopback(config.addr))
}

/// Binds `addr` for a server that runs on a thread of its own.
pub(crate) fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, Error> {
    let listener =
        std::net::TcpListener::bind(addr).map_err(|source| Error::Bind { addr, source })?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Bind, start the server on a background thread with its own tokio runtime, and return once
/// it listens. Blocking; callable from sync code, notebooks and async code alike.
pub fn start(config: Config) -> Result<LocalEndpoint, Error> {
    check_address(&config)?;
    let listener = bind(config.addr)?;
    let addr = listener.local_addr()?;
    let state = AppState::new(&config);
    let counters = state.counters();
    let counted = Arc::clone(&counters);
    let (server, ()) = Background::start(
        format!("bedrock-local {addr}"),
        "bedrock-local-worker",
        listener,
        move || async move {
            Ok::<_, Error>(Serving {
                router: app(state),
                ready: (),
                counters: Some(counted),
            })
        },
    )?;
    Ok(LocalEndpoint {
        addr,
        region: config.region,
        credentials: config.credentials,
        journal: config.journal,
        counters,
        server,
    })
}

/// Serve on `listener` until `shutdown` completes, then give open requests up to 2 s.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let state = AppState::new(&config);
    let counters = state.counters();
    serve_gracefully(listener, app(state), Some(counters), shutdown).await
}

/// Serve on `listener` until SIGINT (Ctrl-C) or SIGTERM; what the binary runs.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> Result<(), Error> {
    check_address(&Config {
        addr: listener.local_addr()?,
        ..config.clone()
    })?;
    serve_until(listener, config, shutdown_signal()).await
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM: how `serve` and the `record` command know to stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
