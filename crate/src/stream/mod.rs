//! ConverseStream: print the answer a line at a time as it arrives, then return a [`Reply`].
//!
//! The worker reads the SDK's event stream and sends each event on as a [`StreamEvent`]; the
//! calling thread prints it ([`echo`]) and folds it into the reply ([`assembly`]).

mod assembly;
mod echo;

use std::time::Instant;

use futures::StreamExt;

use crate::backend::Bedrock;
use crate::call::Operation;
use crate::error::{Error, Result};
use crate::guardrail::GuardrailReport;
use crate::message::Block;
use crate::reply::{Reply, Usage};
use crate::request::Request;
use crate::session::{Chunk, wait};

use assembly::Assembly;
use echo::Echo;

/// One event of a ConverseStream answer, as plain data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StreamEvent {
    /// A tool call starts at this block index.
    ToolStart {
        index: i32,
        id: String,
        name: String,
    },
    /// Answer text.
    Text { index: i32, text: String },
    /// Reasoning text.
    Reasoning { index: i32, text: String },
    /// The signature of a reasoning block.
    Signature { index: i32, signature: String },
    /// A piece of a tool call's JSON input.
    ToolInput { index: i32, input: String },
    /// Why the model stopped.
    Stop { reason: String },
    /// The closing metadata: token counts, and the guardrail's trace when one was asked for.
    Metadata {
        usage: Option<Usage>,
        guardrail: Option<GuardrailReport>,
    },
}

impl Bedrock {
    /// Streams a Converse answer: prints it a whole line at a time as it arrives, then returns
    /// the [`Reply`] with time to first token and tokens per second.
    ///
    /// A stream that breaks midway returns [`Error::StreamInterrupted`] carrying what arrived;
    /// a stream silent for longer than `Settings::stream_idle_timeout` is cut the same way.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, Request};
    /// let bedrock = Bedrock::local()?;
    /// let reply = bedrock.stream("Amazon Nova Micro", &Request::new("Tell me a short story"))?;
    /// assert!(reply.time_to_first_token.is_some());
    /// # Ok(()) }
    /// ```
    pub fn stream(&self, model: &str, request: &Request) -> Result<Reply> {
        wait(self.stream_async(model, request))
    }

    /// [`stream`](Self::stream) for async code.
    pub async fn stream_async(&self, model: &str, request: &Request) -> Result<Reply> {
        self.model_call(Operation::Stream, model, request, |id, request| {
            self.stream_once(id, request)
        })
        .await
    }

    /// One ConverseStream call, read to its end (the profile retry is the caller's).
    async fn stream_once(&self, id: String, request: Request) -> Result<Reply> {
        let started = Instant::now();
        let guardrail = request.guardrail.clone();
        let mut chunks = self.session.converse_stream(self.call(&id), request)?;
        let (request_id, local) = match chunks.next().await {
            Some(Chunk::Opened { request_id, origin }) => (request_id, origin),
            Some(Chunk::Refused(error)) => return Err(error),
            Some(Chunk::Event(_) | Chunk::Broken { .. }) | None => {
                return Err(Error::UnexpectedResponse {
                    model: id,
                    message: "the stream ended before it opened".into(),
                    request_id: None,
                    source: None,
                });
            }
        };
        let mut assembly = Assembly::default();
        let mut echo = Echo::new(self.settings.echo);
        let failure = loop {
            match chunks.next().await {
                Some(Chunk::Event(event)) => {
                    echo.show(&event);
                    assembly.apply(event, started.elapsed());
                }
                Some(Chunk::Broken { code, message }) => break Some((code, message)),
                Some(Chunk::Opened { .. } | Chunk::Refused(_)) => {}
                None => break None,
            }
        };
        echo.finish();
        let mut reply = assembly.into_reply(&id, request_id, started.elapsed());
        local.stamp(&mut reply);
        crate::guardrail::stamp_guardrail(&mut reply, guardrail.as_ref());
        match failure {
            None => Ok(reply),
            Some((code, message)) => Err(Error::StreamInterrupted {
                model: id,
                code,
                message,
                partial: Box::new(reply),
            }),
        }
    }
}

/// Shows an answer from the response cache as a live stream shows one: marked, then through
/// the same line-by-line echo (the whole answer is at hand, so it arrives at once).
pub(crate) fn replay(reply: &Reply, enabled: bool) {
    if !enabled {
        return;
    }
    echo::emit("↺ from the response cache (no call made)\n");
    let mut echo = Echo::new(enabled);
    for block in &reply.content {
        let event = match block {
            Block::Text(text) => StreamEvent::Text {
                index: 0,
                text: text.clone(),
            },
            Block::Reasoning { text, .. } => StreamEvent::Reasoning {
                index: 0,
                text: text.clone(),
            },
            Block::ToolUse(tool) => StreamEvent::ToolStart {
                index: 0,
                id: tool.id.clone(),
                name: tool.name.clone(),
            },
            Block::ToolResult(_) | Block::CachePoint(_) | Block::GuardContent(_) => continue,
        };
        echo.show(&event);
    }
    echo.finish();
}
