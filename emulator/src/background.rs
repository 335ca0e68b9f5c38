//! A server on a thread of its own with its own tokio runtime, what [`crate::start`] and
//! [`crate::record::Recorder::start`] hand out, and the graceful stop every server here shares.
//!
//! The handle stops the server through a plain std channel and joins the thread: that works from
//! code compiled in another evcxr cell, which may hold its own copy of every crate's statics and
//! thread-locals (tokio's included).

use std::future::Future;
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::serve::ListenerExt as _;

use crate::server::Error;
use crate::stats::Counters;

/// How long open requests (streams included) get to finish after a stop before they are cut.
const GRACE_PERIOD: Duration = Duration::from_secs(2);

/// What a server's set-up hands to [`Background::start`]: the router to serve, the value the
/// caller gets back once the server listens, and the counters that count its connections.
pub(crate) struct Serving<T> {
    /// The routes.
    pub router: axum::Router,
    /// Reported to the caller of [`Background::start`].
    pub ready: T,
    /// Counted once per accepted connection, when given.
    pub counters: Option<Arc<Counters>>,
}

/// The server's thread and the channel that stops it; dropping it stops the server.
pub(crate) struct Background {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Runs `setup` and then the server it describes on `listener`, on a new thread called `name`
    /// with a runtime of two workers called `workers`; returns once the server listens, or with
    /// the error that kept it from starting.
    pub(crate) fn start<T, E, F, Fut>(
        name: String,
        workers: &'static str,
        listener: std::net::TcpListener,
        setup: F,
    ) -> Result<(Background, T), E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Serving<T>, E>>,
    {
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<T, E>>();
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || run(workers, listener, setup, stop_rx, ready_tx))
            .map_err(|e| E::from(Error::Io(e)))?;
        let mut background = Background {
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        match ready_rx.recv() {
            Ok(Ok(ready)) => Ok((background, ready)),
            Ok(Err(e)) => {
                background.stop();
                Err(e)
            }
            Err(_) => {
                background.stop();
                Err(E::from(Error::ThreadEnded))
            }
        }
    }

    /// Stops accepting, lets open requests finish (up to the grace period), and joins the thread.
    pub(crate) fn stop(&mut self) {
        // Sending, or dropping the sender when the thread is gone already, both end its waiter.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run<T, E, F, Fut>(
    workers: &'static str,
    listener: std::net::TcpListener,
    setup: F,
    stop_rx: mpsc::Receiver<()>,
    ready_tx: mpsc::Sender<Result<T, E>>,
) where
    E: From<Error>,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Serving<T>, E>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(workers)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready_tx.send(Err(E::from(Error::Io(e))));
            return;
        }
    };
    let (signal_tx, signal_rx) = tokio::sync::oneshot::channel::<()>();
    // Bridges the std stop channel to the runtime: a send or a dropped sender both mean stop.
    let waiter = std::thread::spawn(move || {
        let _ = stop_rx.recv();
        let _ = signal_tx.send(());
    });
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => {
                let _ = ready_tx.send(Err(E::from(Error::Io(e))));
                return;
            }
        };
        let serving = match setup().await {
            Ok(serving) => serving,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        let _ = ready_tx.send(Ok(serving.ready));
        let stopped = async {
            let _ = signal_rx.await;
        };
        if let Err(e) = serve_gracefully(listener, serving.router, serving.counters, stopped).await
        {
            tracing::error!(error = %e, thread = workers, "bedrock-local server stopped with an error");
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    let _ = waiter.join();
}

/// Serves `router` on `listener` until `shutdown` completes, then gives open requests the grace
/// period; counts each accepted connection in `counters`, when given.
pub(crate) async fn serve_gracefully(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    counters: Option<Arc<Counters>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
    let graceful = async move {
        shutdown.await;
        let _ = stopping_tx.send(true);
    };
    // Event-stream frames are small writes: without TCP_NODELAY, Nagle's algorithm holds each
    // one until the client's delayed ACK (~40 ms), which would throttle every stream. The tap
    // runs once per accepted connection, so it also counts them.
    let listener = listener.tap_io(move |tcp| {
        let _ = tcp.set_nodelay(true);
        if let Some(counters) = &counters {
            counters.connection_accepted();
        }
    });
    let server = axum::serve(listener, router).with_graceful_shutdown(graceful);
    let deadline = async move {
        // Wait for the stop signal, then for the grace period; stalled streams never finish.
        let _ = stopping_rx.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(GRACE_PERIOD).await;
    };
    tokio::select! {
        result = server => result.map_err(Error::Io),
        () = deadline => Ok(()),
    }
}
