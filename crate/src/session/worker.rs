//! The worker thread: its runtime, its client, and the loop that runs each job as a task.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use futures::StreamExt;
use futures::channel::mpsc;

use super::client;
use super::job::{self, Job};
use crate::error::{Error, Result};

/// How long a stopping worker waits for work in tokio's blocking pool (a DNS lookup, say)
/// before it lets the thread go: long enough for a lookup in flight, short enough that dropping
/// a handle never hangs a cell.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// Where the worker's client points and how it signs.
pub(crate) enum Setup {
    /// The standard AWS configuration: region, endpoint, and the SDK's credential provider chain
    /// (environment, profiles, SSO, `credential_process`, web identity, container, instance
    /// metadata) behind the SDK's identity cache, which fetches new credentials before the old
    /// ones expire. `AWS_BEARER_TOKEN_BEDROCK`, when set, signs instead.
    Aws,
    /// A fixed endpoint and identity: the local endpoint, or one given by URL.
    Fixed {
        /// The region to sign for.
        region: String,
        /// The endpoint URL.
        endpoint: String,
        /// The keys to sign with.
        keys: Keys,
    },
}

/// Fixed SigV4 keys.
pub(crate) struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// What the worker found when it opened its client.
#[derive(Debug, Clone)]
pub(crate) struct Connected {
    /// The region the client signs for.
    pub region: String,
    /// True when no region was configured and the fallback is used.
    pub region_defaulted: bool,
    /// The endpoint URL, when not AWS's default for the region.
    pub endpoint: Option<String>,
    /// True when a Bedrock API key (bearer token) signs the calls.
    pub bearer: bool,
}

/// Starts a worker thread for `setup`; returns once its client is built.
pub(super) fn spawn(
    setup: Setup,
) -> Result<(mpsc::UnboundedSender<Job>, JoinHandle<()>, Connected)> {
    let (jobs, mut queue) = mpsc::unbounded::<Job>();
    let (ready, readied) = std::sync::mpsc::sync_channel::<Result<Connected>>(1);
    let thread = std::thread::Builder::new()
        .name("bedrock-kit session".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready.send(Err(Error::io(
                        "cannot build the session's async runtime",
                        error,
                    )));
                    return;
                }
            };
            runtime.block_on(async move {
                let scope = match client::open(setup).await {
                    Ok((scope, connected)) => {
                        if ready.send(Ok(connected)).is_err() {
                            return;
                        }
                        Arc::new(scope)
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                // Each job is a task, so compare's calls and a long stream run side by side.
                while let Some(job) = queue.next().await {
                    tokio::spawn(job::run(job, Arc::clone(&scope)));
                }
            });
            runtime.shutdown_timeout(SHUTDOWN_GRACE);
        })
        .map_err(|error| Error::io("cannot start the session's worker thread", error))?;
    match readied.recv() {
        Ok(Ok(connected)) => Ok((jobs, thread, connected)),
        Ok(Err(error)) => {
            let _ = thread.join();
            Err(error)
        }
        Err(_) => {
            let _ = thread.join();
            Err(Error::io(
                "the session's worker stopped while opening its client (see the panic above)",
                std::io::Error::other("session worker gone"),
            ))
        }
    }
}
