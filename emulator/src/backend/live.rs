//! A ConverseStream answered live: each chunk of the model server becomes its events the moment
//! it arrives; the end (messageStop, and metadata with the latency and usage) or a failure (a
//! `modelStreamErrorException` frame naming the local cause, after the events already sent, so
//! the caller keeps the partial answer) follows.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::json;

use super::LocalModel;
use super::client::{Chunk, Opened};
use super::translate::{Event, Translator};
use crate::answer::Reply;
use crate::converse;
use crate::eventstream;
use crate::reasoning::{Signatures, Signer};
use crate::turn::{StopReason, StreamShape};
use bedrock_catalog::Model;

/// Where one live stream stands.
struct Live {
    opened: Opened,
    translator: Option<Translator>,
    pending: VecDeque<Bytes>,
    local: Arc<LocalModel>,
    name: String,
    signer: Signer,
    model: &'static Model,
    /// Input tokens to report when the server does not count them.
    estimated_input: u32,
}

/// The HTTP 200 event-stream response for a stream the server has begun.
pub(crate) fn response(
    opened: Opened,
    local: Arc<LocalModel>,
    name: String,
    signer: Signer,
    model: &'static Model,
    estimated_input: u32,
) -> Response {
    let mut pending = VecDeque::new();
    pending.push_back(eventstream::event(
        "messageStart",
        &json!({ "role": "assistant" }),
    ));
    let live = Live {
        opened,
        translator: Some(Translator::new()),
        pending,
        local,
        name,
        signer,
        model,
        estimated_input,
    };
    let frames = futures::stream::unfold(live, |mut live| async move {
        loop {
            if let Some(frame) = live.pending.pop_front() {
                return Some((Ok::<Bytes, std::convert::Infallible>(frame), live));
            }
            live.translator.as_ref()?;
            live.step().await;
        }
    });
    let mut response = Response::new(Body::from_stream(frames));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(eventstream::CONTENT_TYPE),
    );
    response
}

impl Live {
    /// Waits for the next chunk and queues the frames it makes; the last step takes the
    /// translator, which ends the stream once the queue is empty.
    async fn step(&mut self) {
        let next = tokio::time::timeout(self.local.idle_timeout(), self.opened.chunks.next()).await;
        let Some(translator) = self.translator.as_mut() else {
            return;
        };
        match next {
            Err(_) => {
                let message = self.local.timeout_message(&self.name);
                self.fail(message);
            }
            Ok(Some(Ok(Chunk::Data(chunk)))) => match translator.push_chunk(&chunk) {
                Ok(events) => self.queue(events),
                Err(cause) => {
                    let message = self.local.broken_message(&self.name, &cause);
                    self.fail(message);
                }
            },
            Ok(Some(Err(cause))) => {
                let message = self.local.broken_message(&self.name, &cause);
                self.fail(message);
            }
            Ok(None) if !translator.has_finished() => {
                let message = self.local.broken_message(
                    &self.name,
                    "the server closed the stream before it finished",
                );
                self.fail(message);
            }
            // An answer cut short by the server itself (llama-cpp-python ends a stream so when
            // another request arrives, unless started with --interrupt_requests false).
            Ok(Some(Ok(Chunk::Done))) if !translator.has_finished() => {
                let message = self.local.broken_message(
                    &self.name,
                    "the server ended the stream without saying why the model stopped (no finish_reason)",
                );
                self.fail(message);
            }
            Ok(Some(Ok(Chunk::Done)) | None) => self.end(),
        }
    }

    fn queue(&mut self, events: Vec<Event>) {
        let signatures = Signatures::for_model(&self.signer, self.model);
        for event in events {
            let frame = match event {
                Event::ToolStart { index, id, name } => eventstream::event(
                    "contentBlockStart",
                    &json!({
                        "contentBlockIndex": index,
                        "start": { "toolUse": { "toolUseId": id, "name": name } }
                    }),
                ),
                Event::Delta { index, delta } => eventstream::event(
                    "contentBlockDelta",
                    &json!({ "contentBlockIndex": index, "delta": delta }),
                ),
                Event::Stop { index, reasoning } => {
                    if let Some(signature) = reasoning.and_then(|text| signatures.of(&text)) {
                        self.pending.push_back(eventstream::event(
                            "contentBlockDelta",
                            &json!({
                                "contentBlockIndex": index,
                                "delta": { "reasoningContent": { "signature": signature } }
                            }),
                        ));
                    }
                    eventstream::event("contentBlockStop", &json!({ "contentBlockIndex": index }))
                }
            };
            self.pending.push_back(frame);
        }
    }

    /// The last block's stop, messageStop and metadata.
    fn end(&mut self) {
        let Some(translator) = self.translator.take() else {
            return;
        };
        let (events, finished) = translator.finish();
        self.queue(events);
        let latency = self.opened.started.elapsed();
        self.pending.push_back(eventstream::event(
            "messageStop",
            &json!({ "stopReason": finished.stop_reason.as_str() }),
        ));
        let usage = converse::usage(&usage_reply(
            finished.input_tokens.unwrap_or(self.estimated_input),
            finished.output_tokens,
            finished.stop_reason,
        ));
        self.pending.push_back(eventstream::event(
            "metadata",
            &json!({ "usage": usage, "metrics": { "latencyMs": converse::millis(latency) } }),
        ));
    }

    /// The exception frame after what was sent; nothing more follows.
    fn fail(&mut self, message: String) {
        self.translator = None;
        self.pending.push_back(eventstream::exception(
            "modelStreamErrorException",
            &message,
        ));
    }
}

/// A reply that holds only usage, for [`converse::usage`].
fn usage_reply(input_tokens: u32, output_tokens: u32, stop_reason: StopReason) -> Reply {
    Reply {
        blocks: Vec::new(),
        stop_reason,
        input_tokens,
        output_tokens,
        latency: Duration::ZERO,
        stream: StreamShape {
            tokens_per_chunk: 1,
            tokens_per_second: None,
        },
        cache: None,
        trace: None,
        measured: true,
    }
}
