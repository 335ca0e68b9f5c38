//! The short-lived async runtime behind every blocking call.
//!
//! A notebook cell is its own compiled library with its own copy of tokio, so nothing async may
//! outlive a call: each blocking call builds a current-thread runtime, runs, and drops it.

use std::future::Future;

use crate::error::{Error, Result};

/// Runs a future to completion on a fresh current-thread runtime.
///
/// Inside an existing runtime (an async test, a notebook in async mode) a nested `block_on`
/// would panic, so the future then runs on a scoped helper thread with its own runtime.
pub(crate) fn block_on<F>(future: F) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|scope| {
            scope
                .spawn(|| Ok(new_runtime()?.block_on(future)))
                .join()
                .unwrap_or_else(|_| {
                    Err(Error::io(
                        "the helper thread running the call panicked",
                        std::io::Error::other("panic"),
                    ))
                })
        })
    } else {
        Ok(new_runtime()?.block_on(future))
    }
}

fn new_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot build the async runtime", e))
}
