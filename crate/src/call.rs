//! The steps every model call shares: resolve the id, adapt the request to the model's rules
//! (announcing each change once), and retry once with the region's inference profile when a
//! bare id cannot be called on demand.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Mutex, OnceLock};

use crate::backend::{Backend, Bedrock};
use bedrock_catalog::base_model_id;

use crate::catalog::profile_for;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::request::Request;

/// A request made ready for one model.
pub(crate) struct Prepared {
    /// The id to call first.
    pub id: String,
    /// The request after adaptation.
    pub request: Request,
    /// What adaptation changed.
    pub adjustments: Vec<String>,
}

/// Prints a notice once per process copy (each notebook cell has its own copy, so once per cell).
pub(crate) fn announce(line: &str) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| Mutex::new(HashSet::new()));
    let first = seen
        .lock()
        .map(|mut set| set.insert(line.to_string()))
        .unwrap_or(true);
    if first {
        println!("{line}");
    }
}

/// Announces each change made to a request for `id`.
pub(crate) fn announce_adjustments(id: &str, adjustments: &[String]) {
    for change in adjustments {
        announce(&format!("adjusted request for {id}: {change}"));
    }
}

impl Bedrock {
    /// Stamps what a reply owes to its call rather than to the answer: the changes made to the
    /// request, and whether the local endpoint (not a model) answered.
    pub(crate) fn finish_reply(&self, reply: &mut Reply, adjustments: Vec<String>) {
        reply.adjustments = adjustments;
        reply.local = self.backend == Backend::Local;
    }

    /// Resolves the model and adapts the request to its rules, announcing each change once.
    pub(crate) fn prepare(&self, model: &str, request: &Request) -> Result<Prepared> {
        let id = self.resolve(model)?;
        let (request, adjustments) = request.adapt(bedrock_catalog::find(&id));
        announce_adjustments(&id, &adjustments);
        Ok(Prepared {
            id,
            request,
            adjustments,
        })
    }

    /// Runs `attempt` with `id`; when Bedrock refuses the bare id on demand, runs it once more
    /// with the matching inference profile. Returns the id that answered with the result.
    ///
    /// Every operation (Converse, ConverseStream, InvokeModel) sends through this.
    pub(crate) async fn with_profile_retry<T, F, Fut>(
        &self,
        id: &str,
        mut attempt: F,
    ) -> Result<(String, T)>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        match attempt(id.to_string()).await {
            Err(refusal @ Error::OnDemandNotSupported { .. }) => {
                match self.profile_after_refusal(id) {
                    Some(profile) => {
                        let answer = attempt(profile.clone()).await?;
                        Ok((profile, answer))
                    }
                    None => Err(refusal),
                }
            }
            other => other.map(|answer| (id.to_string(), answer)),
        }
    }

    /// The inference profile to retry with after an on-demand refusal of a bare id.
    fn profile_after_refusal(&self, id: &str) -> Option<String> {
        if !self.settings.profile_retry || base_model_id(id) != id {
            return None; // already a profile or an ARN
        }
        let profile = profile_for(id, &self.region)?;
        println!(
            "{id} cannot be called on demand here: retrying once with inference profile {profile}"
        );
        Some(profile)
    }
}
