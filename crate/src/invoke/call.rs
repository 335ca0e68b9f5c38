//! The InvokeModel calls: raw JSON, and one prompt through the model's native body.

use std::time::Instant;

use aws_sdk_bedrockruntime::operation::RequestId;
use aws_smithy_types::Blob;
use serde_json::Value;

use super::provider::{body, parse, provider_of};
use crate::backend::Bedrock;
use crate::error::{Error, Result};
use crate::message::Block;
use crate::model_call::announce_adjustments;
use crate::reply::{Reply, Usage};
use crate::request::Params;
use crate::runtime::block_on;

impl Bedrock {
    /// Sends a provider-native JSON body with InvokeModel and returns the model's JSON answer.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, Params, native_body};
    /// let bedrock = Bedrock::local()?;
    /// let body = native_body("Claude Haiku 4.5", "Summarise: ...", &Params::default())?;
    /// let answer = bedrock.invoke_raw("Claude Haiku 4.5", &body)?;
    /// assert!(answer["content"][0]["text"].is_string());
    /// # Ok(()) }
    /// ```
    pub fn invoke_raw(&self, model: &str, body: &Value) -> Result<Value> {
        block_on(self.invoke_raw_async(model, body))?
    }

    /// [`invoke_raw`](Self::invoke_raw) for async code.
    pub async fn invoke_raw_async(&self, model: &str, body: &Value) -> Result<Value> {
        let id = self.resolve(model)?;
        let (_, (answer, _)) = self
            .with_profile_retry(&id, |id| async move { self.invoke_once(&id, body).await })
            .await?;
        Ok(answer)
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
        let provider = provider_of(&id).ok_or_else(|| Error::invalid(format!(
            "no native body is known for {id}: use invoke_raw with the provider's JSON, or send (Converse)"
        )))?;
        let (params, adjustments) = params.adapt(bedrock_catalog::find(&id));
        announce_adjustments(&id, &adjustments);
        let body = body(provider, prompt, &params);
        let started = Instant::now();
        let body = &body;
        let (id, (answer, request_id)) = self
            .with_profile_retry(&id, |id| async move { self.invoke_once(&id, body).await })
            .await?;
        let parsed = parse(provider, &answer).ok_or_else(|| Error::UnexpectedResponse {
            model: id.clone(),
            message: format!(
                "not a {provider:?} answer: {}",
                truncate(&answer.to_string())
            ),
        })?;
        let mut reply = Reply {
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
            ..Reply::default()
        };
        self.finish_reply(&mut reply, adjustments);
        Ok(reply)
    }

    /// One InvokeModel call (the profile retry is the caller's): the answer and request id.
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

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}
