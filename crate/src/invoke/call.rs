//! The InvokeModel calls: raw JSON, and one prompt through the model's native body.

use std::time::Instant;

use aws_sdk_bedrockruntime::operation::RequestId;
use aws_smithy_types::Blob;
use serde_json::Value;

use super::provider::Provider;
use crate::backend::Bedrock;
use crate::catalog::find_model;
use crate::converse::announce;
use crate::error::{Error, Result};
use crate::message::Block;
use crate::reply::{Reply, Usage};
use crate::request::{Params, round_f32};
use crate::runtime::block_on;

impl Bedrock {
    /// Sends a provider-native JSON body with InvokeModel and returns the model's JSON answer.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, Params, native_body};
    /// let bedrock = Bedrock::local()?;
    /// let body = native_body("Claude 3.5 Haiku", "Summarise: ...", &Params::default())?;
    /// let answer = bedrock.invoke_raw("Claude 3.5 Haiku", &body)?;
    /// assert!(answer["content"][0]["text"].is_string());
    /// # Ok(()) }
    /// ```
    pub fn invoke_raw(&self, model: &str, body: &Value) -> Result<Value> {
        block_on(self.invoke_raw_async(model, body))?
    }

    /// [`invoke_raw`](Self::invoke_raw) for async code.
    pub async fn invoke_raw_async(&self, model: &str, body: &Value) -> Result<Value> {
        let id = self.resolve(model)?;
        Ok(self.invoke_with_profile_retry(&id, body).await?.1)
    }

    /// Writes the model's native body for one prompt, sends it with InvokeModel, and reads the
    /// answer into a [`Reply`] (Anthropic, Nova, Titan, Llama 3, DeepSeek-R1, Mistral).
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, Params};
    /// let bedrock = Bedrock::local()?;
    /// let reply = bedrock.invoke_text("Meta Llama 3.1 70B Instruct", "Hello", &Params::default())?;
    /// assert!(!reply.text.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn invoke_text(&self, model: &str, prompt: &str, params: &Params) -> Result<Reply> {
        block_on(self.invoke_text_async(model, prompt, params))?
    }

    /// [`invoke_text`](Self::invoke_text) for async code.
    pub async fn invoke_text_async(
        &self,
        model: &str,
        prompt: &str,
        params: &Params,
    ) -> Result<Reply> {
        let id = self.resolve(model)?;
        let provider = Provider::of(&id).ok_or_else(|| Error::invalid(format!(
            "no native body is known for {id}: use invoke_raw with the provider's JSON, or send (Converse)"
        )))?;
        let (params, adjustments) = adapt_params(&id, params);
        for change in &adjustments {
            announce(&format!("adjusted request for {id}: {change}"));
        }
        let body = provider.body(prompt, &params);
        let started = Instant::now();
        let (id, answer, request_id) = self.invoke_with_profile_retry(&id, &body).await?;
        let parsed = provider
            .parse(&answer)
            .ok_or_else(|| Error::UnexpectedResponse {
                model: id.clone(),
                message: format!(
                    "not a {provider:?} answer: {}",
                    truncate(&answer.to_string())
                ),
            })?;
        Ok(Reply {
            content: vec![Block::Text(parsed.text.clone())],
            text: parsed.text,
            reasoning: parsed.reasoning,
            stop_reason: parsed.stop_reason,
            usage: Usage {
                input: parsed.input_tokens,
                output: parsed.output_tokens,
                total: parsed.input_tokens + parsed.output_tokens,
            },
            latency: started.elapsed(),
            model_id: id,
            request_id,
            adjustments,
            ..Reply::default()
        })
    }

    /// InvokeModel, retried once with an inference profile after an on-demand refusal.
    async fn invoke_with_profile_retry(
        &self,
        id: &str,
        body: &Value,
    ) -> Result<(String, Value, Option<String>)> {
        match self.invoke_once(id, body).await {
            Err(refusal @ Error::OnDemandNotSupported { .. }) => {
                match self.profile_after_refusal(id) {
                    Some(profile) => {
                        let (answer, request_id) = self.invoke_once(&profile, body).await?;
                        Ok((profile, answer, request_id))
                    }
                    None => Err(refusal),
                }
            }
            other => other.map(|(answer, request_id)| (id.to_string(), answer, request_id)),
        }
    }

    async fn invoke_once(&self, id: &str, body: &Value) -> Result<(Value, Option<String>)> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::invalid(e.to_string()))?;
        let output = self
            .sdk_client()
            .invoke_model()
            .model_id(id)
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(bytes))
            .send()
            .await
            .map_err(|error| self.map_error(id, error))?;
        let request_id = output.request_id().map(str::to_string);
        let answer = serde_json::from_slice(output.body.as_ref()).map_err(|e| {
            Error::UnexpectedResponse {
                model: id.to_string(),
                message: format!("the answer is not JSON: {e}"),
            }
        })?;
        Ok((answer, request_id))
    }
}

/// Native parameters changed to follow the model's rules, with one sentence per change.
fn adapt_params(id: &str, params: &Params) -> (Params, Vec<String>) {
    let mut adapted = *params;
    let mut changes = Vec::new();
    if let Some(model) = find_model(id) {
        if model.temperature_top_p_exclusive
            && adapted.temperature.is_some()
            && let Some(top_p) = adapted.top_p.take()
        {
            changes.push(format!(
                "dropped top_p={} because {} does not accept temperature and top_p together",
                round_f32(top_p),
                model.name
            ));
        }
        if adapted.max_tokens > model.max_output_tokens {
            changes.push(format!(
                "lowered max_tokens from {} to {}, the limit of {}",
                adapted.max_tokens, model.max_output_tokens, model.name
            ));
            adapted.max_tokens = model.max_output_tokens;
        }
    }
    (adapted, changes)
}

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn native_params_follow_the_model_rules() {
        let params = Params {
            max_tokens: 100_000,
            temperature: Some(0.5),
            top_p: Some(0.9),
        };
        let (adapted, changes) =
            adapt_params("global.anthropic.claude-haiku-4-5-20251001-v1:0", &params);
        assert_eq!(adapted.top_p, None);
        assert_eq!(adapted.max_tokens, 64000);
        assert_eq!(changes.len(), 2);
    }
}
