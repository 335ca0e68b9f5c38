//! Running the endpoint: [`start`] on a background thread (for the support crate, tests and
//! notebooks) or [`serve`] on the caller's runtime (for the binary).

use axum::serve::ListenerExt as _;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::app::{AppState, app};
use crate::config::{Config, Credentials};
use crate::journal::{Journal, Received};
use crate::stats::{Counters, Stats};

/// How long open requests (streams included) get to finish after a stop before they are cut.
const GRACE_PERIOD: Duration = Duration::from_secs(2);

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
    // A plain std channel and thread handle: the stop path works from code compiled in another
    // evcxr cell, which has its own copy of every crate's statics and thread-locals.
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
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
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LocalEndpoint {
    fn drop(&mut self) {
        self.shutdown();
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

/// Bind, start the server on a background thread with its own tokio runtime, and return once
/// it listens. Blocking; callable from sync code, notebooks and async code alike.
pub fn start(config: Config) -> Result<LocalEndpoint, Error> {
    check_address(&config)?;
    let listener = std::net::TcpListener::bind(config.addr).map_err(|source| Error::Bind {
        addr: config.addr,
        source,
    })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), Error>>();
    let region = config.region.clone();
    let credentials = config.credentials.clone();
    let journal = config.journal.clone();
    let state = AppState::new(&config);
    let counters = state.counters();
    let thread = std::thread::Builder::new()
        .name(format!("bedrock-local {addr}"))
        .spawn(move || run_thread(listener, state, stop_rx, ready_tx))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(LocalEndpoint {
            addr,
            region,
            credentials,
            journal,
            counters,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(Error::ThreadEnded)
        }
    }
}

fn run_thread(
    listener: std::net::TcpListener,
    state: AppState,
    stop_rx: mpsc::Receiver<()>,
    ready_tx: mpsc::Sender<Result<(), Error>>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bedrock-local-worker")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready_tx.send(Err(Error::Io(e)));
            return;
        }
    };
    let (signal_tx, signal_rx) = tokio::sync::oneshot::channel::<()>();
    // Bridge the std stop channel to the runtime: a send or a dropped sender both mean stop.
    let waiter = std::thread::spawn(move || {
        let _ = stop_rx.recv();
        let _ = signal_tx.send(());
    });
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                let _ = ready_tx.send(Err(Error::Io(e)));
                return;
            }
        };
        let _ = ready_tx.send(Ok(()));
        let shutdown = async {
            let _ = signal_rx.await;
        };
        if let Err(e) = serve_state(listener, state, shutdown).await {
            tracing::error!(error = %e, "bedrock-local server stopped with an error");
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    let _ = waiter.join();
}

/// Serve on `listener` until `shutdown` completes, then give open requests up to 2 s.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    serve_state(listener, AppState::new(&config), shutdown).await
}

/// [`serve_until`] with the state already made (so [`start`] keeps a handle on its counters).
async fn serve_state(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
    let counters = state.counters();
    let router = app(state);
    let graceful = async move {
        shutdown.await;
        let _ = stopping_tx.send(true);
    };
    // Event-stream frames are small writes: without TCP_NODELAY, Nagle's algorithm holds each
    // one until the client's delayed ACK (~40 ms), which would throttle every stream. The tap
    // runs once per accepted connection, so it also counts them.
    let listener = listener.tap_io(move |tcp| {
        let _ = tcp.set_nodelay(true);
        counters.connection_accepted();
    });
    let server = axum::serve(listener, router).with_graceful_shutdown(graceful);
    let mut stopping = stopping_rx;
    let deadline = async move {
        // Wait for the stop signal, then for the grace period; stalled streams never finish.
        let _ = stopping.wait_for(|s| *s).await;
        tokio::time::sleep(GRACE_PERIOD).await;
    };
    tokio::select! {
        result = server => result.map_err(Error::Io),
        () = deadline => Ok(()),
    }
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
