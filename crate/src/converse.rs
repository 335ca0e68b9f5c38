//! Converse: one request, one reply (also behind `ask`, `send_raw` and `chat`).

use serde_json::{Value, json};

use crate::backend::Bedrock;
use crate::call::Operation;
use crate::conversation::Conversation;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::request::Request;
use crate::session::wait;

impl Bedrock {
    /// Sends a Converse request and waits for the whole answer.
    ///
    /// `model` is a display name from the catalog or any model/profile id. Names resolve to the
    /// region's inference profile when the model needs one; a bare id refused on demand is retried
    /// once with the matching profile. The request is adapted to the model's rules and every change
    /// is listed in [`Reply::adjustments`].
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, Request};
    /// let bedrock = Bedrock::local()?;
    /// let request = Request::new("Summarise: the sea is big.").temperature(0.4).top_p(0.9).max_tokens(500);
    /// let reply = bedrock.send("Amazon Nova Micro", &request)?;
    /// assert_eq!(reply.stop_reason, "end_turn");
    /// # Ok(()) }
    /// ```
    pub fn send(&self, model: &str, request: &Request) -> Result<Reply> {
        wait(self.send_async(model, request))
    }

    /// [`send`](Self::send) for async code.
    pub async fn send_async(&self, model: &str, request: &Request) -> Result<Reply> {
        self.model_call(Operation::Converse, model, request, |id, request| {
            self.session.converse(self.call(&id), request)
        })
        .await
    }

    /// Sends one prompt with default settings.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::local()?;
    /// let reply = bedrock.ask("Claude Haiku 4.5", "What is Amazon Bedrock?")?;
    /// assert!(reply.model_id.starts_with("us.anthropic."));
    /// # Ok(()) }
    /// ```
    pub fn ask(&self, model: &str, prompt: &str) -> Result<Reply> {
        self.send(model, &Request::new(prompt))
    }

    /// [`ask`](Self::ask) for async code.
    pub async fn ask_async(&self, model: &str, prompt: &str) -> Result<Reply> {
        self.send_async(model, &Request::new(prompt)).await
    }

    /// Sends a request and returns the Converse response as JSON (to show a raw toolUse block once).
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::local()?;
    /// let raw = bedrock.send_raw("Amazon Nova Micro", &bedrock_kit::Request::new("Hi"))?;
    /// assert!(raw["output"]["message"]["content"].is_array());
    /// # Ok(()) }
    /// ```
    pub fn send_raw(&self, model: &str, request: &Request) -> Result<Value> {
        wait(self.send_raw_async(model, request))
    }

    /// [`send_raw`](Self::send_raw) for async code.
    pub async fn send_raw_async(&self, model: &str, request: &Request) -> Result<Value> {
        let reply = self.send_async(model, request).await?;
        Ok(json!({
            "output": { "message": reply.to_message().to_json() },
            "stopReason": reply.stop_reason,
            "usage": {
                "inputTokens": reply.usage.input,
                "outputTokens": reply.usage.output,
                "totalTokens": reply.usage.total,
                "cacheReadInputTokens": reply.usage.cache_read,
                "cacheWriteInputTokens": reply.usage.cache_write,
            },
            "metrics": { "latencyMs": reply.latency.as_millis() as u64 },
        }))
    }

    /// Sends a conversation's history to its model and appends the answer to it.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, Conversation};
    /// let bedrock = Bedrock::local()?;
    /// let mut conversation = Conversation::new().model("Amazon Nova Micro").user("Hello");
    /// bedrock.chat(&mut conversation)?;
    /// assert_eq!(conversation.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn chat(&self, conversation: &mut Conversation) -> Result<Reply> {
        wait(self.chat_async(conversation))
    }

    /// [`chat`](Self::chat) for async code.
    pub async fn chat_async(&self, conversation: &mut Conversation) -> Result<Reply> {
        let model = conversation.model.clone().ok_or_else(|| {
            Error::invalid("the conversation has no model: add .model(\"Amazon Nova Micro\")")
        })?;
        let reply = self
            .send_async(&model, &Request::from_conversation(conversation))
            .await?;
        conversation.push(reply.to_message());
        Ok(reply)
    }
}
