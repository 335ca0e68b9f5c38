//! The last requests the endpoint received, byte for byte, for tests and for teaching ("what did
//! my code actually send?").
//!
//! Off by default ([`Config::keep_requests`](crate::Config::keep_requests)): a journal holds
//! whole bodies, and a load test should not pay for one.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

use crate::turn::Operation;

/// One request as it arrived: the operation, the `modelId` path segment (decoded) and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The operation the path named.
    pub operation: Operation,
    /// The model id from the path, percent-decoded once, as the endpoint resolved it.
    pub model_id: String,
    /// The request body exactly as received (after the body limit, before any parsing).
    pub body: Bytes,
}

impl Received {
    /// The body parsed as JSON (`None` when it is not JSON).
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A bounded record of received requests, shared by the server and the [`LocalEndpoint`]
/// handle (cloning shares it).
///
/// [`LocalEndpoint`]: crate::LocalEndpoint
#[derive(Debug, Clone, Default)]
pub(crate) struct Journal {
    capacity: usize,
    entries: Arc<Mutex<VecDeque<Received>>>,
}

impl Journal {
    /// A journal keeping the last `capacity` requests (0 keeps none).
    pub(crate) fn new(capacity: usize) -> Self {
        Journal {
            capacity,
            entries: Arc::default(),
        }
    }

    /// Records one request, dropping the oldest beyond capacity.
    pub(crate) fn record(&self, operation: Operation, model_id: &str, body: &Bytes) {
        if self.capacity == 0 {
            return;
        }
        // A panic while holding the lock cannot leave a half-written deque behind (push and pop
        // are single steps), so a poisoned lock is still consistent.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(Received {
            operation,
            model_id: model_id.to_string(),
            body: body.clone(),
        });
    }

    /// The recorded requests, oldest first.
    pub(crate) fn entries(&self) -> Vec<Received> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_keeps_the_last_requests_up_to_its_capacity() {
        let journal = Journal::new(2);
        for n in 1..=3 {
            journal.record(Operation::Converse, &format!("m{n}"), &Bytes::from("{}"));
        }
        let ids: Vec<String> = journal.entries().into_iter().map(|r| r.model_id).collect();
        assert_eq!(ids, ["m2", "m3"]);
    }

    #[test]
    fn journal_of_capacity_zero_keeps_nothing() {
        let journal = Journal::new(0);
        journal.record(Operation::Converse, "m", &Bytes::from("{}"));
        assert!(journal.entries().is_empty());
    }
}
