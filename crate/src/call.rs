//! The one pipeline every model call goes through: resolve the id, adapt the input to the
//! model's rules (announcing each change once), check its prompt-cache checkpoints, answer from
//! the response cache when it can, send, retry once with the region's inference profile when a
//! bare id cannot be called on demand, and stamp the reply with what it owes to the call (the
//! changes made, the wall time, the cost), recording it in the handle's ledger.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use bedrock_catalog::{Model, ThinkingRequest, base_model_id};
use serde_json::Value;

use crate::backend::Bedrock;
use crate::catalog::profile_for;
use crate::cost::cost_of;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::request::{Params, Request, ToolChoice};
use crate::session::Call;

/// Prints a notice the first time this process meets it; later replies still list the change.
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

/// Which API a call uses: part of a response-cache key, and how a cached answer is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// Converse.
    Converse,
    /// ConverseStream: a cached answer is replayed line by line.
    Stream,
    /// InvokeModel with a native body.
    Invoke,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Converse => "converse",
            Operation::Stream => "stream",
            Operation::Invoke => "invoke",
        }
    }
}

/// What a call sends, made to fit one model: a Converse [`Request`] or InvokeModel [`Params`].
pub(crate) trait Adapt: Clone {
    /// The input with the model's rules applied, and a line per change.
    fn adapt_to(&self, model: Option<&Model>) -> (Self, Vec<String>);

    /// Checks what Bedrock would refuse before anything is sent.
    fn check_rules(&self, id: &str, model: Option<&Model>) -> Result<()>;

    /// The whole input as JSON and its temperature, for a response-cache key; `None` when the
    /// input alone does not decide the answer (the caller holds part of it).
    fn cache_view(&self) -> Option<(Value, Option<f32>)>;
}

impl Adapt for Request {
    fn adapt_to(&self, model: Option<&Model>) -> (Self, Vec<String>) {
        self.adapt(model)
    }

    fn check_rules(&self, id: &str, model: Option<&Model>) -> Result<()> {
        if self.tools_cache.is_some() && self.tools.is_empty() {
            return Err(Error::PromptCache {
                model: id.to_string(),
                problem: "a cache checkpoint after the tools, but the request has no tools: add                           tools or drop cache_tools"
                    .into(),
            });
        }
        if self.system_cache.is_some() && self.system.is_none() {
            return Err(Error::PromptCache {
                model: id.to_string(),
                problem: "a cache checkpoint after the system prompt, but the request has none:                           set .system(...) or drop cache_system"
                    .into(),
            });
        }
        if let (Some(budget), Some(model)) = (self.thinking, model) {
            let asked = ThinkingRequest {
                temperature: self.temperature.map(f64::from),
                top_p: self.top_p.map(f64::from),
                forced_tool_choice: matches!(
                    self.tool_choice,
                    Some(ToolChoice::Any | ToolChoice::Tool(_))
                ),
                ..ThinkingRequest::new(
                    i64::from(budget),
                    self.max_tokens.unwrap_or(model.max_output_tokens),
                )
            };
            bedrock_catalog::thinking::check(model, &asked)
                .map_err(|rule| Error::invalid(format!("thinking on {}: {rule}", model.name)))?;
        }
        // A model the catalog does not know is Bedrock's to judge.
        match model {
            Some(model) => bedrock_catalog::prompt_cache::check(model, &self.cache_points())
                .map_err(|rule| Error::PromptCache {
                    model: id.to_string(),
                    problem: rule.to_string(),
                }),
            None => Ok(()),
        }
    }

    fn cache_view(&self) -> Option<(Value, Option<f32>)> {
        let json = serde_json::to_value(self).ok()?;
        Some((json, self.temperature))
    }
}

impl Adapt for Params {
    fn adapt_to(&self, model: Option<&Model>) -> (Self, Vec<String>) {
        self.adapt(model)
    }

    fn check_rules(&self, _id: &str, _model: Option<&Model>) -> Result<()> {
        Ok(())
    }

    fn cache_view(&self) -> Option<(Value, Option<f32>)> {
        None // the prompt travels beside the parameters, not in them
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

    /// Resolves the model, adapts the input to its rules (announcing each change once) and
    /// checks what Bedrock would refuse.
    pub(crate) fn prepare<I: Adapt>(&self, model: &str, input: &I) -> Result<Prepared<I>> {
        let id = self.resolve(model)?;
        let catalog_model = bedrock_catalog::find(&id);
        let (input, adjustments) = input.adapt_to(catalog_model);
        input.check_rules(&id, catalog_model)?;
        for change in &adjustments {
            announce(&format!("adjusted request for {id}: {change}"));
        }
        Ok(Prepared {
            id,
            input,
            adjustments,
        })
    }

    /// The whole pipeline: prepare, the response cache, `attempt` (once more with the profile
    /// after an on-demand refusal), then the changes, the wall time and the cost on the reply, or
    /// on the partial reply of an interrupted stream, and the reply in the ledger.
    pub(crate) async fn model_call<I, F, Fut>(
        &self,
        operation: Operation,
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
        let key = self.response_cache.as_ref().and_then(|cache| {
            let (json, temperature) = prepared.input.cache_view()?;
            cache.key(operation.as_str(), &prepared.id, &json, temperature)
        });
        if let (Some(cache), Some(key)) = (&self.response_cache, &key)
            && let Some(mut reply) = cache.get(key)
        {
            // No call was made: nothing is billed (the usage stays, to show what was saved).
            reply.cost = cost_of(&reply).map(|_| crate::cost::Cost::default());
            if operation == Operation::Stream {
                crate::stream::replay(&reply, self.settings.echo);
            }
            self.ledger.record(&reply);
            return Ok(reply);
        }
        let started = Instant::now();
        let outcome = self
            .with_profile_retry(&prepared.id, |id| attempt(id, prepared.input.clone()))
            .await;
        let finish = |reply: &mut Reply| {
            reply.adjustments = prepared.adjustments.clone();
            reply.latency = started.elapsed();
            reply.cost = cost_of(reply);
            self.ledger.record(reply);
        };
        match outcome {
            Ok(mut reply) => {
                finish(&mut reply);
                // Only whole answers are kept: errors and cut streams never reach the cache.
                if let (Some(cache), Some(key)) = (&self.response_cache, &key) {
                    cache.put(key, &reply);
                }
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
