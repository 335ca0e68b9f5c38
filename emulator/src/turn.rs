//! The provider-neutral view of one request, and the answer the scenario engine gives to it.
//!
//! Every operation (Converse, ConverseStream, the native InvokeModel bodies, CountTokens) is parsed
//! into a [`Turn`]; the scenario engine answers a `Turn` with an [`Outcome`]; the server renders the
//! outcome in the wire format of the operation that asked. This keeps the scenario engine free of
//! any protocol detail and the protocol code free of any answering logic.

use std::time::Duration;

use serde_json::Value;

pub use crate::replay::{Frame, Recorded, RecordedEvent, Wire};

/// The Bedrock Runtime operation a request came in through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /model/{id}/converse`
    Converse,
    /// `POST /model/{id}/converse-stream`
    ConverseStream,
    /// `POST /model/{id}/invoke`
    InvokeModel,
    /// `POST /model/{id}/invoke-with-response-stream`
    InvokeModelWithResponseStream,
    /// `POST /model/{id}/count-tokens`
    CountTokens,
}

impl Operation {
    /// The operation's name as AWS spells it (used in logs and scenario files).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Converse => "Converse",
            Operation::ConverseStream => "ConverseStream",
            Operation::InvokeModel => "InvokeModel",
            Operation::InvokeModelWithResponseStream => "InvokeModelWithResponseStream",
            Operation::CountTokens => "CountTokens",
        }
    }

    /// Whether the answer goes out as an event stream.
    pub fn is_streaming(self) -> bool {
        matches!(
            self,
            Operation::ConverseStream | Operation::InvokeModelWithResponseStream
        )
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The caller.
    User,
    /// The model.
    Assistant,
}

/// One content block of a message, reduced to what answering needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Plain text.
    Text(String),
    /// A tool call the model made earlier in the conversation.
    ToolUse {
        /// `toolUseId`
        id: String,
        /// Tool name.
        name: String,
        /// Arguments.
        input: Value,
    },
    /// The caller's answer to a tool call.
    ToolResult {
        /// `toolUseId` this answers.
        id: String,
        /// The result content blocks as sent (`{"text":..}` / `{"json":..}` ...).
        content: Vec<Value>,
        /// `true` when `status` was `error`.
        is_error: bool,
    },
    /// Reasoning text the model produced earlier.
    Reasoning(String),
    /// Any other block (image, document, cachePoint, ...): kept so counts stay right.
    Other,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Author.
    pub role: Role,
    /// Content blocks in order.
    pub blocks: Vec<Block>,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// Tool name.
    pub name: String,
    /// What it does, as the caller described it.
    pub description: String,
    /// JSON Schema of its input.
    pub input_schema: Value,
}

/// Which tool the caller lets the model call (Converse `toolChoice`, Anthropic `tool_choice`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ToolChoice {
    /// The model decides (`auto`, and what an absent choice means).
    #[default]
    Auto,
    /// The model must call one of the tools (`any`).
    Any,
    /// The model must call this tool (`tool` with its name).
    Tool(String),
}

/// How the caller asked the model to sample and to use its tools. A scripted answer does not
/// sample; a model backend passes these on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sampling {
    /// `temperature`, when set.
    pub temperature: Option<f64>,
    /// `topP` (`top_p`), when set.
    pub top_p: Option<f64>,
    /// `toolChoice`.
    pub tool_choice: ToolChoice,
}

/// One validated request, whatever operation and body format it came in.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The model id as called (after percent-decoding; may be a profile id or ARN).
    pub model_id: String,
    /// The catalog's base model id the call resolved to (`anthropic.claude-...`).
    pub base_model_id: String,
    /// Operation the request used.
    pub operation: Operation,
    /// System prompt, joined.
    pub system: Option<String>,
    /// The conversation so far, last message from the user.
    pub messages: Vec<Message>,
    /// Tools offered (empty when none).
    pub tools: Vec<ToolSpec>,
    /// `maxTokens` (or the native equivalent) when set.
    pub max_tokens: Option<u32>,
    /// Stop sequences when set.
    pub stop_sequences: Vec<String>,
    /// Temperature, top-p and tool choice.
    pub sampling: Sampling,
}

impl Message {
    /// Its text blocks joined by newlines.
    pub fn text(&self) -> String {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Turn {
    /// Text of the last user message (text blocks joined by newlines).
    pub fn last_user_text(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(Message::text)
            .unwrap_or_default()
    }

    /// 1-based number of this user turn in the conversation.
    pub fn turn_number(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| m.role == Role::User)
            .count()
    }

    /// Whether the last user message carries tool results.
    pub fn has_tool_result(&self) -> bool {
        self.messages.last().is_some_and(|m| {
            m.blocks
                .iter()
                .any(|b| matches!(b, Block::ToolResult { .. }))
        })
    }
}

/// Why the model stopped, as Bedrock reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// `end_turn`
    EndTurn,
    /// `tool_use`
    ToolUse,
    /// `max_tokens`
    MaxTokens,
    /// `stop_sequence`
    StopSequence,
    /// `guardrail_intervened`
    GuardrailIntervened,
    /// `content_filtered`
    ContentFiltered,
    /// `malformed_tool_use`: the model's tool call was not valid JSON.
    MalformedToolUse,
}

impl StopReason {
    /// The Converse wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::ToolUse => "tool_use",
            StopReason::MaxTokens => "max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::GuardrailIntervened => "guardrail_intervened",
            StopReason::ContentFiltered => "content_filtered",
            StopReason::MalformedToolUse => "malformed_tool_use",
        }
    }
}

/// One block of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerBlock {
    /// Reasoning text (comes before the answer's text).
    Reasoning(String),
    /// Answer text.
    Text(String),
    /// A tool call.
    ToolUse {
        /// `toolUseId`, matching `^[a-zA-Z0-9_.:-]+$`.
        id: String,
        /// Tool name.
        name: String,
        /// Arguments.
        input: Value,
    },
}

/// How an answer is paced when streamed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamShape {
    /// Approximate tokens per text delta.
    pub tokens_per_chunk: usize,
    /// Pace; `None` is as fast as possible.
    pub tokens_per_second: Option<f64>,
}

/// Token usage; `None` fields are computed by the server from the text.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UsageOverride {
    /// Input tokens to report.
    pub input_tokens: Option<u32>,
    /// Output tokens to report.
    pub output_tokens: Option<u32>,
}

/// Where an answer came from: shown in logs, and the reason for the `[bedrock-local]` mark.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A named scenario rule.
    Scenario(String),
    /// The built-in fallback (text is always marked `[bedrock-local]`).
    Fallback,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Blocks in order.
    pub blocks: Vec<AnswerBlock>,
    /// Stop reason before any `maxTokens` cut (the server applies the cut).
    pub stop_reason: StopReason,
    /// Usage to report instead of the computed one.
    pub usage: UsageOverride,
    /// Simulated model latency before the first byte.
    pub latency: Duration,
    /// Streaming pace.
    pub stream: StreamShape,
    /// Provenance.
    pub source: Source,
}

/// A failure the scenario asks the server to produce.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this Bedrock exception before any output (`ThrottlingException`, 429, ...).
    Exception {
        /// Error code, e.g. `ThrottlingException`.
        code: String,
        /// HTTP status.
        status: u16,
        /// Message body.
        message: String,
    },
    /// Hold the request this long, then answer `ModelTimeoutException`.
    Timeout(Duration),
    /// Stream `after_events` events of `answer`, then an exception frame.
    StreamException {
        /// Events sent before the exception.
        after_events: usize,
        /// Exception type in lowerCamel (`modelStreamErrorException`, ...).
        exception: String,
        /// Message payload.
        message: String,
        /// What is streamed before the failure.
        answer: Answer,
    },
    /// Stop sending mid-stream without closing (a stalled stream), after `after_events` events.
    Stall {
        /// Events sent before the stall.
        after_events: usize,
        /// What is streamed before the stall.
        answer: Answer,
    },
}

/// What the scenario engine decided for a turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Answer normally.
    Answer(Answer),
    /// Fail on purpose.
    Fault(Fault),
    /// Answer with a recorded exchange, verbatim (a rule written by `bedrock-local record`).
    Recorded(Recorded),
}
