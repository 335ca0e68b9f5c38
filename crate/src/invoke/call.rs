//! The InvokeModel calls: raw JSON, and one prompt through the model's native body.

use serde_json::Value;

use super::provider::{body, parse, provider_of};
use crate::backend::Bedrock;
use crate::call::Operation;
use crate::error::{Error, Result};
use crate::message::Block;
use crate::reply::{Reply, Usage};
use crate::request::Params;
use crate::session::{Invoked, wait};

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
        wait(self.invoke_raw_async(model, body))
    }

    /// [`invoke_raw`](Self::invoke_raw) for async code.
    pub async fn invoke_raw_async(&self, model: &str, body: &Value) -> Result<Value> {
        let id = self.resolve(model)?;
        let invoked = self
            .with_profile_retry(&id, |id| self.invoke_once(id, body))
            .await?;
        answer_json(&id, &invoked)
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
        wait(self.invoke_text_async(model, prompt, params))
    }

    /// [`invoke_text`](Self::invoke_text) for async code.
    pub async fn invoke_text_async(
        &self,
        model: &str,
        prompt: &str,
        params: &Params,
    ) -> Result<Reply> {
        let provider = provider_of(&self.resolve(model)?).ok_or_else(|| Error::invalid(format!(
            "no native body is known for {model}: use invoke_raw with the provider's JSON, or send (Converse)"
        )))?;
        self.model_call(Operation::Invoke, model, params, |id, params| async move {
            let invoked = self
                .invoke_once(id.clone(), &body(provider, prompt, &params))
                .await?;
            let answer = answer_json(&id, &invoked)?;
            let parsed = parse(provider, &answer).ok_or_else(|| Error::UnexpectedResponse {
                model: id.clone(),
                message: format!(
                    "not a {provider:?} answer: {}",
                    truncate(&answer.to_string())
                ),
                request_id: invoked.request_id.clone(),
                source: None,
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
                    ..Usage::default()
                },
                model_id: id,
                request_id: invoked.request_id,
                ..Reply::default()
            };
            invoked.origin.stamp(&mut reply);
            Ok(reply)
        })
        .await
    }

    /// One InvokeModel call (the profile retry is the caller's).
    async fn invoke_once(&self, id: String, body: &Value) -> Result<Invoked> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::invalid(e.to_string()))?;
        self.session.invoke(self.call(&id), bytes).await
    }
}

/// The answer body as JSON.
fn answer_json(id: &str, invoked: &Invoked) -> Result<Value> {
    serde_json::from_slice(&invoked.body).map_err(|e| Error::UnexpectedResponse {
        model: id.to_string(),
        message: format!("the answer is not JSON: {e}"),
        request_id: invoked.request_id.clone(),
        source: None,
    })
}

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}
