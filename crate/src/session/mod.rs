//! The session behind a [`Bedrock`](crate::Bedrock) handle: one worker thread that owns one
//! async runtime and one SDK client for as long as the handle (or any clone) lives.
//!
//! A notebook cell is its own compiled library. The notebooks' cells share one loaded copy of this
//! crate (it is also a dylib), but a kernel that links it into each cell statically gives every
//! cell its own copy of tokio and of this crate, and evcxr's async mode runs later cells on the
//! first async cell's runtime: so nothing async crosses from one cell into another. The worker
//! keeps the runtime, the client, its connection pool and its credential cache on its own thread; a
//! call from any cell sends it a [`Job`] of owned plain data and waits for plain data back (a whole
//! reply, or a stream's events one by one) on channels that need no runtime. The calling side waits
//! with [`wait`], which parks the thread: no runtime is built per call, none is required.
//!
//! Dropping the last clone of the handle closes the job channel; the worker finishes, drops its
//! runtime and its connections, and the thread is joined.

mod client;
mod job;
mod worker;

use std::future::Future;
use std::thread::JoinHandle;

use futures::channel::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::guardrail::GuardrailCheck;
use crate::reply::Reply;
use crate::request::Request;
use crate::settings::Settings;

pub(crate) use job::{Call, Chunk, GuardrailRequest, Invoked, Job};
pub(crate) use worker::{Connected, Keys, Setup};

/// Waits for a future on the calling thread, parking it between wake-ups.
///
/// The futures awaited here only wait for the worker's answers, so they need no reactor or
/// timer, and the caller's cell never runs a runtime of its own. pollster rather than
/// futures-executor: the latter panics when nested, and a tool called by `run_tools` may
/// itself call a model through the blocking API.
pub(crate) fn wait<F: Future>(future: F) -> F::Output {
    pollster::block_on(future)
}

/// The handle's worker: the sending end of its job channel and its thread.
pub(crate) struct Session {
    jobs: mpsc::UnboundedSender<Job>,
    thread: Option<JoinHandle<()>>,
}

impl Session {
    /// Starts a worker for `setup` and waits until it has its client (or says why not).
    pub(crate) fn start(setup: Setup) -> Result<(Session, Connected)> {
        let (jobs, thread, connected) = worker::spawn(setup)?;
        let session = Session {
            jobs,
            thread: Some(thread),
        };
        Ok((session, connected))
    }

    fn submit(&self, job: Job) -> Result<()> {
        self.jobs.unbounded_send(job).map_err(|_| worker_gone())
    }

    /// One Converse call.
    pub(crate) async fn converse(&self, call: Call, request: Request) -> Result<Reply> {
        let (answer, answered) = oneshot::channel();
        self.submit(Job::Converse {
            call,
            request,
            answer,
        })?;
        answered.await.map_err(|_| worker_gone())?
    }

    /// Opens a ConverseStream call; its [`Chunk`]s arrive on the returned receiver.
    pub(crate) fn converse_stream(
        &self,
        call: Call,
        request: Request,
    ) -> Result<mpsc::UnboundedReceiver<Chunk>> {
        let (chunks, received) = mpsc::unbounded();
        self.submit(Job::ConverseStream {
            call,
            request,
            chunks,
        })?;
        Ok(received)
    }

    /// One InvokeModel call with a JSON body.
    pub(crate) async fn invoke(&self, call: Call, body: Vec<u8>) -> Result<Invoked> {
        let (answer, answered) = oneshot::channel();
        self.submit(Job::Invoke { call, body, answer })?;
        answered.await.map_err(|_| worker_gone())?
    }

    /// The body the SDK would send for a Converse call, captured before transmission.
    pub(crate) async fn capture(&self, call: Call, request: Request) -> Result<Vec<u8>> {
        let (answer, answered) = oneshot::channel();
        self.submit(Job::Capture {
            call,
            request,
            answer,
        })?;
        answered.await.map_err(|_| worker_gone())?
    }

    /// ApplyGuardrail on one text.
    pub(crate) async fn apply_guardrail(
        &self,
        settings: Settings,
        check: GuardrailRequest,
    ) -> Result<GuardrailCheck> {
        let (answer, answered) = oneshot::channel();
        self.submit(Job::ApplyGuardrail {
            settings,
            check,
            answer,
        })?;
        answered.await.map_err(|_| worker_gone())?
    }

    /// Asks the credential chain for credentials once and names where they came from.
    pub(crate) async fn probe_credentials(&self) -> Result<String> {
        let (answer, answered) = oneshot::channel();
        self.submit(Job::ProbeCredentials { answer })?;
        answered.await.map_err(|_| worker_gone())?
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.jobs.close_channel();
        if let Some(thread) = self.thread.take() {
            // The worker ends once the channel is closed and drained; a panic inside it has
            // already been reported on stderr, and there is nobody left to tell.
            let _ = thread.join();
        }
    }
}

/// What a call says when its worker is gone or dropped the call.
fn worker_gone() -> Error {
    Error::io(
        "the session's worker stopped before answering (a panic inside it is printed above)",
        std::io::Error::other("session worker gone"),
    )
}
