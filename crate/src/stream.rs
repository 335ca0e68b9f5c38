//! ConverseStream: print the answer a line at a time as it arrives, then return a [`Reply`].

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::RequestId;
use aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamOutput as StreamResponse;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ContentBlockDelta, ContentBlockStart, ConverseStreamOutput, ReasoningContentBlockDelta,
};
use serde_json::Value;

use crate::backend::Bedrock;
use crate::error::{Error, Result};
use crate::message::{Block, ToolUse};
use crate::reply::{Reply, Usage};
use crate::request::Request;
use crate::runtime::block_on;
use crate::sdk_error::source_chain;
use crate::wire::{parts, text_and_reasoning, tokens, with_parts};

/// Shortest generation window a tokens-per-second figure is computed over.
const MIN_GENERATION_WINDOW: Duration = Duration::from_millis(20);

/// Prints text a whole line at a time: a notebook only shows complete lines, and each flushed
/// line becomes its own output message while the cell runs.
struct LineEcho {
    enabled: bool,
    prefix: &'static str,
    pending: String,
}

impl LineEcho {
    fn new(enabled: bool, prefix: &'static str) -> Self {
        LineEcho {
            enabled,
            prefix,
            pending: String::new(),
        }
    }

    fn push(&mut self, delta: &str) {
        if !self.enabled {
            return;
        }
        self.pending.push_str(delta);
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            emit(&format!("{}{line}", self.prefix));
        }
    }

    fn finish(&mut self) {
        if self.enabled && !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            emit(&format!("{}{line}\n", self.prefix));
        }
    }
}

fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    // Output is a convenience: a closed stdout must not fail the call.
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

/// A content block being assembled from deltas.
enum Partial {
    Text(String),
    Reasoning {
        text: String,
        signature: Option<String>,
    },
    Tool {
        id: String,
        name: String,
        input: String,
    },
}

/// Everything received so far.
struct Assembly {
    blocks: BTreeMap<i32, Partial>,
    stop_reason: String,
    usage: Usage,
    first_token: Option<Duration>,
}

impl Assembly {
    fn reply(self, id: &str, request_id: Option<String>, started: Instant) -> Reply {
        let content: Vec<Block> = self
            .blocks
            .into_values()
            .map(|partial| match partial {
                Partial::Text(text) => Block::Text(text),
                Partial::Reasoning { text, signature } => Block::Reasoning { text, signature },
                Partial::Tool { id, name, input } => Block::ToolUse(ToolUse {
                    id,
                    name,
                    // A tool call cut short keeps its raw text so nothing received is lost.
                    input: if input.trim().is_empty() {
                        Value::Object(Default::default())
                    } else {
                        serde_json::from_str(&input).unwrap_or(Value::String(input))
                    },
                }),
            })
            .collect();
        let (text, reasoning) = text_and_reasoning(&content);
        let latency = started.elapsed();
        // Speed over the generation window; when everything arrived in one burst that window is
        // too short to mean anything, so the whole call's duration is used instead.
        let tokens_per_second = self.first_token.and_then(|first| {
            let generating = latency.saturating_sub(first);
            let window = if generating >= MIN_GENERATION_WINDOW {
                generating
            } else {
                latency
            };
            (self.usage.output > 0 && !window.is_zero())
                .then(|| f64::from(self.usage.output) / window.as_secs_f64())
        });
        Reply {
            text,
            reasoning,
            stop_reason: self.stop_reason,
            usage: self.usage,
            latency,
            time_to_first_token: self.first_token,
            tokens_per_second,
            model_id: id.to_string(),
            request_id,
            content,
            // Adjustments and `local` come from the call: `Bedrock::finish_reply`.
            ..Reply::default()
        }
    }
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
        block_on(self.stream_async(model, request))?
    }

    /// [`stream`](Self::stream) for async code.
    pub async fn stream_async(&self, model: &str, request: &Request) -> Result<Reply> {
        let prepared = self.prepare(model, request)?;
        let started = Instant::now();
        let request = &prepared.request;
        let (id, response) = self
            .with_profile_retry(&prepared.id, |id| async move {
                self.open_stream(&id, request).await
            })
            .await?;
        let mut result = self.read_stream(&id, response, started).await;
        match &mut result {
            Ok(reply) => self.finish_reply(reply, prepared.adjustments),
            Err(Error::StreamInterrupted { partial, .. }) => {
                self.finish_reply(partial, prepared.adjustments)
            }
            Err(_) => {}
        }
        result
    }

    async fn open_stream(&self, id: &str, request: &Request) -> Result<StreamResponse> {
        with_parts!(self.sdk_client().converse_stream(), id, parts(request)?)
            .send()
            .await
            .map_err(|error| self.map_error(id, error))
    }

    async fn read_stream(
        &self,
        id: &str,
        mut response: StreamResponse,
        started: Instant,
    ) -> Result<Reply> {
        let request_id = response.request_id().map(str::to_string);
        let idle = self.settings.stream_idle_timeout;
        let mut text_echo = LineEcho::new(self.settings.echo, "");
        let mut reasoning_echo = LineEcho::new(self.settings.echo, "💭 ");
        let mut assembly = Assembly {
            blocks: BTreeMap::new(),
            stop_reason: String::new(),
            usage: Usage::default(),
            first_token: None,
        };
        let failure = loop {
            let event = match tokio::time::timeout(idle, response.stream.recv()).await {
                Err(_) => {
                    break Some((
                        "Timeout".to_string(),
                        format!("no event for {idle:?} (Settings::stream_idle_timeout)"),
                    ));
                }
                Ok(Err(error)) => break Some(stream_failure(error)),
                Ok(Ok(None)) => break None,
                Ok(Ok(Some(event))) => event,
            };
            match event {
                ConverseStreamOutput::MessageStart(_) => {}
                ConverseStreamOutput::ContentBlockStart(start) => {
                    if let Some(ContentBlockStart::ToolUse(tool)) = start.start {
                        reasoning_echo.finish();
                        text_echo.finish();
                        assembly.blocks.insert(
                            start.content_block_index,
                            Partial::Tool {
                                id: tool.tool_use_id,
                                name: tool.name,
                                input: String::new(),
                            },
                        );
                    }
                }
                ConverseStreamOutput::ContentBlockDelta(delta) => {
                    let index = delta.content_block_index;
                    let slot = &mut assembly.blocks;
                    match delta.delta {
                        Some(ContentBlockDelta::Text(text)) => {
                            assembly
                                .first_token
                                .get_or_insert_with(|| started.elapsed());
                            reasoning_echo.finish();
                            text_echo.push(&text);
                            match slot
                                .entry(index)
                                .or_insert_with(|| Partial::Text(String::new()))
                            {
                                Partial::Text(existing) => existing.push_str(&text),
                                other => *other = Partial::Text(text),
                            }
                        }
                        Some(ContentBlockDelta::ReasoningContent(reasoning)) => {
                            assembly
                                .first_token
                                .get_or_insert_with(|| started.elapsed());
                            let entry = slot.entry(index).or_insert_with(|| Partial::Reasoning {
                                text: String::new(),
                                signature: None,
                            });
                            if let Partial::Reasoning { text, signature } = entry {
                                match reasoning {
                                    ReasoningContentBlockDelta::Text(more) => {
                                        reasoning_echo.push(&more);
                                        text.push_str(&more);
                                    }
                                    ReasoningContentBlockDelta::Signature(sig) => {
                                        *signature = Some(sig)
                                    }
                                    _ => {}
                                }
                            }
                        }
                        Some(ContentBlockDelta::ToolUse(tool)) => {
                            if let Some(Partial::Tool { input, .. }) = slot.get_mut(&index) {
                                input.push_str(&tool.input);
                            }
                        }
                        _ => {}
                    }
                }
                ConverseStreamOutput::ContentBlockStop(_) => {}
                ConverseStreamOutput::MessageStop(stop) => {
                    assembly.stop_reason = stop.stop_reason.as_str().to_string();
                }
                ConverseStreamOutput::Metadata(metadata) => {
                    if let Some(usage) = metadata.usage {
                        assembly.usage = Usage {
                            input: tokens(usage.input_tokens),
                            output: tokens(usage.output_tokens),
                            total: tokens(usage.total_tokens),
                        };
                    }
                }
                _ => {}
            }
        };
        reasoning_echo.finish();
        text_echo.finish();
        let reply = assembly.reply(id, request_id, started);
        match failure {
            None => Ok(reply),
            Some((code, message)) => Err(Error::StreamInterrupted {
                model: id.to_string(),
                code,
                message,
                partial: Box::new(reply),
            }),
        }
    }
}

/// The exception code and message of a failed `recv` (stream exceptions carry no `code()`).
fn stream_failure<R: std::fmt::Debug>(
    error: SdkError<ConverseStreamOutputError, R>,
) -> (String, String) {
    use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
    match &error {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = match inner {
                ConverseStreamOutputError::ModelStreamErrorException(_) => {
                    "ModelStreamErrorException"
                }
                ConverseStreamOutputError::ThrottlingException(_) => "ThrottlingException",
                ConverseStreamOutputError::ValidationException(_) => "ValidationException",
                ConverseStreamOutputError::InternalServerException(_) => "InternalServerException",
                ConverseStreamOutputError::ServiceUnavailableException(_) => {
                    "ServiceUnavailableException"
                }
                _ => inner.code().unwrap_or("StreamError"),
            };
            (
                code.to_string(),
                inner.message().unwrap_or("the stream failed").to_string(),
            )
        }
        _ => ("StreamError".to_string(), source_chain(&error)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn echo_keeps_partial_lines_until_the_newline() {
        let mut echo = LineEcho::new(true, "");
        echo.push("hel");
        assert_eq!(echo.pending, "hel");
        echo.push("lo\nwor");
        assert_eq!(echo.pending, "wor");
        echo.finish();
        assert!(echo.pending.is_empty());
    }

    #[test]
    fn a_cut_tool_call_keeps_its_raw_input() {
        let mut blocks = BTreeMap::new();
        blocks.insert(
            0,
            Partial::Tool {
                id: "t".into(),
                name: "n".into(),
                input: "{\"loc".into(),
            },
        );
        let assembly = Assembly {
            blocks,
            stop_reason: String::new(),
            usage: Usage::default(),
            first_token: None,
        };
        let reply = assembly.reply("m", None, Instant::now());
        assert_eq!(reply.tool_uses()[0].input, Value::String("{\"loc".into()));
    }
}
