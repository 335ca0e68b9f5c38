//! The one pipeline every model call goes through: resolve the id, adapt the input to the
//! model's rules (announcing each change once), send, retry once with the region's inference
//! profile when a bare id cannot be called on demand, and stamp the reply with what it owes to
//! the call (the changes made, the wall time).

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use bedrock_catalog::{Model, base_model_id};

use crate::backend::Bedrock;
use crate::catalog::profile_for;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::request::{Params, Request};
use crate::session::Call;

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

/// What a call sends, made to fit one model: a Converse [`Request`] or InvokeModel [`Params`].
pub(crate) trait Adapt: Clone {
    /// The input with the model's rules applied, and a line per change.
    fn adapt_to(&self, model: Option<&Model>) -> (Self, Vec<String>);
}

impl Adapt for Request {
    fn adapt_to(&self, model: Option<&Model>) -> (Self, Vec<String>) {
        self.adapt(model)
    }
}

impl Adapt for Params {
    fn adapt_to(&self, model: Option<&Model>) -> (Self, Vec<String>) {
        self.adapt(model)
    }
}

/// An input made ready for one model.
pub(crate) struct Prepared<I> {
    /// The id to call first.
    pub id: String,
    /// The input after adaptation.
    pub input: I,
    /// What adaptation changed.
    pub adjustments: Vec<String>,
}

impl Bedrock {
    /// The job description of a call to `model_id` with this handle's settings.
    pub(crate) fn call(&self, model_id: &str) -> Call {
        Call {
            model_id: model_id.to_string(),
            settings: self.settings.clone(),
        }
    }

    /// Resolves the model and adapts the input to its rules, announcing each change once.
    pub(crate) fn prepare<I: Adapt>(&self, model: &str, input: &I) -> Result<Prepared<I>> {
        let id = self.resolve(model)?;
        let (input, adjustments) = input.adapt_to(bedrock_catalog::find(&id));
        for change in &adjustments {
            announce(&format!("adjusted request for {id}: {change}"));
        }
        Ok(Prepared {
            id,
            input,
            adjustments,
        })
    }

    /// The whole pipeline: prepare, `attempt` (once more with the profile after an on-demand
    /// refusal), then the changes and the wall time on the reply, or on the partial reply of an
    /// interrupted stream.
    pub(crate) async fn model_call<I, F, Fut>(
        &self,
        model: &str,
        input: &I,
        mut attempt: F,
    ) -> Result<Reply>
    where
        I: Adapt,
        F: FnMut(String, I) -> Fut,
        Fut: Future<Output = Result<Reply>>,
    {
        let prepared = self.prepare(model, input)?;
        let started = Instant::now();
        let outcome = self
            .with_profile_retry(&prepared.id, |id| attempt(id, prepared.input.clone()))
            .await;
        let finish = |reply: &mut Reply| {
            reply.adjustments = prepared.adjustments.clone();
            reply.latency = started.elapsed();
        };
        match outcome {
            Ok(mut reply) => {
                finish(&mut reply);
                Ok(reply)
            }
            Err(Error::StreamInterrupted {
                model,
                code,
                message,
                mut partial,
            }) => {
                finish(&mut partial);
                Err(Error::StreamInterrupted {
                    model,
                    code,
                    message,
                    partial,
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Runs `attempt` with `id`; when Bedrock refuses the bare id on demand, runs it once more
    /// with the matching inference profile.
    pub(crate) async fn with_profile_retry<T, F, Fut>(&self, id: &str, mut attempt: F) -> Result<T>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        match attempt(id.to_string()).await {
            Err(refusal @ Error::OnDemandNotSupported { .. }) => {
                match self.profile_after_refusal(id) {
                    Some(profile) => attempt(profile).await,
                    None => Err(refusal),
                }
            }
            other => other,
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
