//! The scenario file format as serde types (TOML and JSON share it; see `scenarios/README.md`).
//!
//! Every struct denies unknown fields so that a typo is an error, not a silently ignored rule.
//! Sections are read one at a time by the loader so that an error can name the section and field.

use serde::Deserialize;
use serde_json::Value;

/// A whole file: a list of rules under `rule` (`[[rule]]` in TOML).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileSpec {
    /// The rules in priority order, each kept raw until its sections are read.
    #[serde(default)]
    pub rule: Vec<Value>,
}

/// One rule, sections still raw.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    /// Unique name within the file (default: `#<position>`).
    pub name: Option<String>,
    /// Free text for the reader of the file.
    #[allow(dead_code)] // read by people, not by the engine
    pub description: Option<String>,
    /// Conditions (`[rule.match]`); absent = matches every request.
    #[serde(rename = "match")]
    pub when: Option<Value>,
    /// The answer (`[rule.reply]`).
    pub reply: Option<Value>,
    /// An injected failure (`[rule.fault]`).
    pub fault: Option<Value>,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    /// A single value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values as a list.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// `[rule.match]`: every condition given must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MatchSpec {
    /// Glob(s) on the base model id or the id as called; any may match.
    pub model: Option<OneOrMany>,
    /// Operation name(s) as AWS spells them; any may match.
    pub operation: Option<OneOrMany>,
    /// Substring(s) of the last user text; all must occur.
    pub contains: Option<OneOrMany>,
    /// A regular expression searched in the last user text.
    pub regex: Option<String>,
    /// Substring(s) of the system prompt; all must occur (always case-insensitive).
    pub system: Option<OneOrMany>,
    /// Make `contains` and `regex` case-sensitive (default: insensitive).
    pub case_sensitive: Option<bool>,
    /// A tool of this name is offered.
    pub tool: Option<String>,
    /// Whether any tool is offered.
    pub has_tools: Option<bool>,
    /// Whether the last user message carries toolResult blocks.
    pub tool_result: Option<bool>,
    /// Fields of the last tool result's JSON content: `{ condition = "Foggy" }` (a table, kept
    /// raw so the loader can name a bad entry's path).
    pub result: Option<Value>,
    /// The 1-based number of the user turn.
    pub turn: Option<usize>,
    /// A demo name (`throttle`): its marker `[demo:throttle]` occurs in the last user text.
    pub demo: Option<String>,
    /// The digest of the exact conversation (`sha256:...`, see `record::conversation_digest`),
    /// as `bedrock-local record` writes it.
    pub conversation: Option<String>,
}

/// `[rule.reply]`: what to answer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplySpec {
    /// Answer text.
    pub text: Option<String>,
    /// Reasoning text, sent before the answer.
    pub reasoning: Option<String>,
    /// Tool calls, in order.
    pub tool_use: Option<Vec<ToolUseSpec>>,
    /// Stop reason (default `tool_use` with tool calls, else `end_turn`).
    pub stop_reason: Option<String>,
    /// Usage to report instead of the computed one.
    pub usage: Option<UsageSpec>,
    /// Delay before the first byte, in milliseconds.
    pub latency_ms: Option<u64>,
    /// Approximate tokens per streamed text delta.
    pub chunk_tokens: Option<usize>,
    /// Streaming pace for this rule.
    pub tokens_per_second: Option<f64>,
    /// A recorded plain answer's body, sent verbatim to a non-streaming operation.
    pub body: Option<String>,
    /// A recorded stream's frames, sent verbatim at their pace to a streaming operation.
    pub events: Option<Vec<EventSpec>>,
    /// Recorded response headers sent with `body` or `events` (`content-type`, `x-amzn-bedrock-*`).
    pub headers: Option<std::collections::BTreeMap<String, String>>,
}

/// One recorded stream frame: exactly one of `event` (with `payload`), `chunk` or `exception`
/// (with `payload`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventSpec {
    /// Milliseconds since the previous frame (the first: since the request).
    pub after_ms: Option<u64>,
    /// `:event-type` of an event frame (`contentBlockDelta`, ...).
    pub event: Option<String>,
    /// The JSON payload of an event or exception frame, as text.
    pub payload: Option<String>,
    /// A native stream's chunk: the provider JSON its `bytes` carry.
    pub chunk: Option<String>,
    /// `:exception-type` of an exception frame (`throttlingException`, ...).
    pub exception: Option<String>,
}

/// One tool call of a reply.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolUseSpec {
    /// Tool name.
    pub name: String,
    /// Arguments (default `{}`).
    pub input: Option<Value>,
    /// `toolUseId` (default: derived deterministically from the turn and the call).
    pub id: Option<String>,
}

/// Reported usage.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UsageSpec {
    /// Input tokens.
    pub input_tokens: Option<u32>,
    /// Output tokens.
    pub output_tokens: Option<u32>,
}

/// `[rule.fault]`: a failure, tagged on `kind`. Each kind takes `times` and its own fields and
/// nothing else, so a field of another kind is an error naming the kind.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum FaultSpec {
    /// `ThrottlingException`, 429.
    Throttle {
        /// Only the first N matching calls fail (counted per rule).
        times: Option<u64>,
        /// Error message (default: Bedrock's).
        message: Option<String>,
    },
    /// Any named exception.
    Exception {
        /// Only the first N matching calls fail (counted per rule).
        times: Option<u64>,
        /// Exception code, e.g. `AccessDeniedException` (required).
        code: Option<String>,
        /// HTTP status (default: Bedrock's for a known code).
        status: Option<u16>,
        /// Error message (default: Bedrock's for a known code).
        message: Option<String>,
    },
    /// A 5xx exception (`InternalServerException` unless `code` or `status = 503` says otherwise).
    ServerError {
        /// Only the first N matching calls fail (counted per rule).
        times: Option<u64>,
        /// Exception code.
        code: Option<String>,
        /// HTTP status, 5xx.
        status: Option<u16>,
        /// Error message.
        message: Option<String>,
    },
    /// Hold the request, then `ModelTimeoutException`.
    Timeout {
        /// Only the first N matching calls fail (counted per rule).
        times: Option<u64>,
        /// How long to hold the request.
        after_ms: Option<u64>,
    },
    /// An exception frame after some stream events.
    StreamException {
        /// Only the first N matching calls fail (counted per rule).
        times: Option<u64>,
        /// Events streamed before the exception.
        after_events: Option<usize>,
        /// Stream exception type, e.g. `modelStreamErrorException`.
        exception: Option<String>,
        /// Error message.
        message: Option<String>,
    },
    /// A stream that stops sending.
    Stall {
        /// Only the first N matching calls fail (counted per rule).
        times: Option<u64>,
        /// Events streamed before the stall.
        after_events: Option<usize>,
        /// How long a non-streaming operation is held before it times out.
        after_ms: Option<u64>,
    },
}
