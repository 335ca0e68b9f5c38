//! One forwarded exchange as captured (request, and the answer as it came: a body, the frames of
//! a stream with their timing, or an error), and the scenario rule it becomes.
//!
//! The rule is TOML written line by line for people and diffs: a `[rule.match]` on operation,
//! model and the conversation digest, with the last user text (`contains`), a tool offered and
//! whether tool results came back as readable conditions; a `[rule.reply]` with what the answer
//! said (`text`, `reasoning`, `tool_use`, `stop_reason`, `usage`, `latency_ms`) and the wire form
//! replay sends (`body`, or `events` one frame a line); or a `[rule.fault]` with the error.
//! Nothing of the request's credentials is ever part of it: only the body and the model id are
//! read from the request, and only replayed headers from the answer.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::digest::conversation_digest;
use crate::json;
use crate::providers;
use crate::resolve::{self, Calendar};
use crate::turn::{Frame, Operation, RecordedEvent, Turn};
use crate::validate;

/// How much of the last user text `contains` keeps (a prefix is still a substring, so it holds).
const CONTAINS_CHARS: usize = 300;

/// What came back for one request.
#[derive(Debug, Clone)]
pub(crate) enum Captured {
    /// A plain answer: its body and how long it took.
    Body {
        /// The body as received.
        body: Bytes,
        /// From sending the request to the end of the body.
        latency: Duration,
    },
    /// A stream's frames, each with the pause before it.
    Events(Vec<RecordedEvent>),
    /// An error answer.
    Error {
        /// Error code (`AccessDeniedException`).
        code: String,
        /// HTTP status.
        status: u16,
        /// Its message.
        message: String,
    },
}

/// One complete exchange.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    /// The operation called.
    pub operation: Operation,
    /// The model id as called (percent-decoded).
    pub model_id: String,
    /// The request body.
    pub request: Bytes,
    /// Replayed response headers (`content-type`, `x-amzn-bedrock-*`).
    pub headers: Vec<(String, String)>,
    /// The answer.
    pub captured: Captured,
}

impl Exchange {
    /// `(operation, model, digest)`: the same key is the same exchange.
    pub fn key(&self) -> String {
        key(
            self.operation.name(),
            &self.model_id,
            &conversation_digest(&self.request),
        )
    }

    /// Whether the answer was an error (a later answer to the same request replaces it).
    pub fn is_fault(&self) -> bool {
        matches!(self.captured, Captured::Error { .. })
    }

    /// The rule's TOML text, starting with `[[rule]]`; `calendar` parses the request as the
    /// endpoint would, for the readable conditions (left out when it cannot parse it).
    pub fn to_rule(&self, calendar: Calendar, note: &str) -> String {
        let digest = conversation_digest(&self.request);
        let turn = self.turn(calendar);
        let mut rule = RuleText::default();
        rule.line(format!(
            "name = {}",
            toml_str(&rule_name(self.operation, &self.model_id, &digest))
        ));
        rule.line(format!(
            "description = {}",
            toml_str(&self.description(turn.as_ref(), note))
        ));
        rule.blank();
        rule.line("[rule.match]");
        rule.line(format!("operation = {}", toml_str(self.operation.name())));
        rule.line(format!(
            "model = {}",
            toml_str(&escape_glob(&self.model_id))
        ));
        rule.line(format!("conversation = {}", toml_str(&digest)));
        if let Some(turn) = &turn {
            conditions(&mut rule, turn);
        }
        rule.blank();
        match &self.captured {
            Captured::Error {
                code,
                status,
                message,
            } => {
                rule.line("[rule.fault]");
                rule.line("kind = \"exception\"");
                rule.line(format!("code = {}", toml_str(code)));
                rule.line(format!("status = {status}"));
                rule.line(format!("message = {}", toml_str(message)));
            }
            Captured::Body { body, latency } => {
                rule.line("[rule.reply]");
                let text = String::from_utf8_lossy(body);
                if let Ok(value) = serde_json::from_str::<Value>(&text) {
                    readable(&mut rule, &Readable::from_body(&value));
                }
                rule.line(format!("latency_ms = {}", millis(*latency)));
                self.headers_line(&mut rule);
                rule.line(format!("body = {}", toml_str(&text)));
            }
            Captured::Events(events) => {
                rule.line("[rule.reply]");
                readable(&mut rule, &Readable::from_events(events));
                if let Some(first) = events.first() {
                    rule.line(format!("latency_ms = {}", millis(first.after)));
                }
                self.headers_line(&mut rule);
                rule.line("events = [");
                for event in events {
                    rule.line(format!("  {},", event_line(event)));
                }
                rule.line("]");
            }
        }
        rule.0
    }

    /// The request as the endpoint parses it, when it can.
    fn turn(&self, calendar: Calendar) -> Option<Turn> {
        let model = resolve::resolve(&self.model_id, self.operation, calendar).ok()?;
        let value = json::parse_body(&self.request).ok()?;
        match self.operation {
            Operation::Converse | Operation::ConverseStream => {
                validate::converse(&value, &self.model_id, model, self.operation).ok()
            }
            Operation::InvokeModel | Operation::InvokeModelWithResponseStream => {
                providers::parse(&value, &self.model_id, model, self.operation).ok()
            }
            Operation::CountTokens => None,
        }
    }

    /// `ConverseStream of us.anthropic... (turn 2, after a tool round of "..."), recorded ...`.
    fn description(&self, turn: Option<&Turn>, note: &str) -> String {
        let mut text = format!("{} of {}", self.operation.name(), self.model_id);
        if let Some(turn) = turn {
            let asked = crate::scenario::user_text(turn).unwrap_or_default();
            let asked: String = asked.split_whitespace().collect::<Vec<_>>().join(" ");
            let asked: String = asked.chars().take(80).collect();
            if turn.has_tool_result() {
                text.push_str(&format!(
                    " (turn {}, tool results for \"{asked}\")",
                    turn.turn_number()
                ));
            } else {
                text.push_str(&format!(" (turn {})", turn.turn_number()));
            }
            let tools: Vec<&str> = turn.tools.iter().map(|t| t.name.as_str()).collect();
            if !tools.is_empty() {
                text.push_str(&format!(", tools offered: {}", tools.join(", ")));
            }
        }
        format!("{text}; {note}")
    }

    fn headers_line(&self, rule: &mut RuleText) {
        if self.headers.is_empty() {
            return;
        }
        let pairs: Vec<String> = self
            .headers
            .iter()
            .map(|(n, v)| format!("{} = {}", toml_str(n), toml_str(v)))
            .collect();
        rule.line(format!("headers = {{ {} }}", pairs.join(", ")));
    }
}

/// The dedup key of an exchange.
pub(crate) fn key(operation: &str, model_id: &str, digest: &str) -> String {
    format!("{operation} {model_id} {digest}")
}

/// `converse-stream-3f9a1c2b7d4e`: stable for the same exchange across recordings.
fn rule_name(operation: Operation, model_id: &str, digest: &str) -> String {
    let kebab: String = operation
        .name()
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let lower = c.to_ascii_lowercase();
            if c.is_ascii_uppercase() && i > 0 {
                vec!['-', lower]
            } else {
                vec![lower]
            }
        })
        .collect();
    let hash = hex::encode(Sha256::digest(
        key(operation.name(), model_id, digest).as_bytes(),
    ));
    format!("{kebab}-{}", hash.get(..12).unwrap_or_default())
}

/// The readable conditions: the last user text, a tool offered, whether tool results came.
fn conditions(rule: &mut RuleText, turn: &Turn) {
    let last = turn.last_user_text();
    if !last.trim().is_empty() {
        // Case-sensitive, so the prompt stays as written (the digest decides anyway).
        let prefix: String = last.chars().take(CONTAINS_CHARS).collect();
        rule.line("case_sensitive = true");
        rule.line(format!("contains = {}", toml_str(&prefix)));
    }
    if let Some(tool) = turn.tools.first() {
        rule.line(format!("tool = {}", toml_str(&tool.name)));
    }
    rule.line(format!("tool_result = {}", turn.has_tool_result()));
}

/// What an answer said, for the reader.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Readable {
    /// Answer text.
    pub text: String,
    /// Reasoning text.
    pub reasoning: String,
    /// Tool calls: id, name, input.
    pub tool_uses: Vec<(String, String, Value)>,
    /// Stop reason as sent.
    pub stop_reason: Option<String>,
    /// Input tokens reported.
    pub input_tokens: Option<u64>,
    /// Output tokens reported.
    pub output_tokens: Option<u64>,
}

impl Readable {
    /// From a Converse body, or a native one (Anthropic's Messages, Nova's, and the plain text of
    /// Llama, Titan, Mistral and DeepSeek).
    pub fn from_body(body: &Value) -> Readable {
        let mut readable = Readable::default();
        let content = body
            .pointer("/output/message/content")
            .or_else(|| body.get("content"))
            .and_then(Value::as_array);
        for block in content.into_iter().flatten() {
            if let Some(text) = block.get("text").and_then(Value::as_str) {
                readable.text.push_str(text);
            }
            if let Some(text) = block
                .pointer("/reasoningContent/reasoningText/text")
                .or_else(|| block.get("thinking"))
                .and_then(Value::as_str)
            {
                readable.reasoning.push_str(text);
            }
            let tool = block.get("toolUse").or_else(|| {
                (block.get("type").and_then(Value::as_str) == Some("tool_use")).then_some(block)
            });
            if let Some(tool) = tool {
                let field = |a: &str, b: &str| {
                    tool.get(a)
                        .or_else(|| tool.get(b))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                readable.tool_uses.push((
                    field("toolUseId", "id"),
                    field("name", "name"),
                    tool.get("input").cloned().unwrap_or(Value::Null),
                ));
            }
        }
        for pointer in [
            "/generation",
            "/results/0/outputText",
            "/outputs/0/text",
            "/choices/0/text",
            "/choices/0/message/content",
        ] {
            if let Some(text) = body.pointer(pointer).and_then(Value::as_str) {
                readable.text.push_str(text);
            }
        }
        readable.stop_reason = ["/stopReason", "/stop_reason"]
            .iter()
            .find_map(|p| body.pointer(p).and_then(Value::as_str))
            .map(str::to_string);
        readable.input_tokens = ["/usage/inputTokens", "/usage/input_tokens"]
            .iter()
            .find_map(|p| body.pointer(p).and_then(Value::as_u64));
        readable.output_tokens = ["/usage/outputTokens", "/usage/output_tokens"]
            .iter()
            .find_map(|p| body.pointer(p).and_then(Value::as_u64));
        readable
    }

    /// From a stream's frames: ConverseStream events, or native chunks (Anthropic's deltas,
    /// and the text fields of the others).
    pub fn from_events(events: &[RecordedEvent]) -> Readable {
        let mut readable = Readable::default();
        let mut inputs: Vec<String> = Vec::new();
        for event in events {
            let payload = match &event.frame {
                Frame::Event { payload, .. } | Frame::Chunk(payload) => payload,
                Frame::Exception { .. } => continue,
            };
            let Ok(value) = serde_json::from_str::<Value>(payload) else {
                continue;
            };
            let delta = value.get("delta");
            let text_of = |pointer: &str| {
                delta
                    .and_then(|d| d.pointer(pointer))
                    .and_then(Value::as_str)
            };
            if let Some(text) = text_of("/text") {
                readable.text.push_str(text);
            }
            if let Some(text) = text_of("/reasoningContent/text").or_else(|| text_of("/thinking")) {
                readable.reasoning.push_str(text);
            }
            if let Some(fragment) = text_of("/toolUse/input").or_else(|| text_of("/partial_json"))
                && let Some(last) = inputs.last_mut()
            {
                last.push_str(fragment);
            }
            let start = value.pointer("/start/toolUse").or_else(|| {
                value
                    .get("content_block")
                    .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
            });
            if let Some(tool) = start {
                let field = |a: &str, b: &str| {
                    tool.get(a)
                        .or_else(|| tool.get(b))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                readable.tool_uses.push((
                    field("toolUseId", "id"),
                    field("name", "name"),
                    Value::Null,
                ));
                inputs.push(String::new());
            }
            for pointer in ["/generation", "/outputText"] {
                if let Some(text) = value.pointer(pointer).and_then(Value::as_str) {
                    readable.text.push_str(text);
                }
            }
            if let Some(stop) = ["/stopReason", "/delta/stop_reason", "/stop_reason"]
                .iter()
                .find_map(|p| value.pointer(p).and_then(Value::as_str))
            {
                readable.stop_reason = Some(stop.to_string());
            }
            let usage = value.get("usage");
            let number = |keys: [&str; 2]| keys.iter().find_map(|k| usage?.get(*k)?.as_u64());
            if let Some(n) = number(["inputTokens", "input_tokens"]) {
                readable.input_tokens = Some(n);
            }
            if let Some(n) = number(["outputTokens", "output_tokens"]) {
                readable.output_tokens = Some(n);
            }
            if let Some(metrics) = value.get("amazon-bedrock-invocationMetrics") {
                readable.input_tokens = metrics
                    .get("inputTokenCount")
                    .and_then(Value::as_u64)
                    .or(readable.input_tokens);
                readable.output_tokens = metrics
                    .get("outputTokenCount")
                    .and_then(Value::as_u64)
                    .or(readable.output_tokens);
            }
        }
        for ((_, _, input), text) in readable.tool_uses.iter_mut().zip(inputs) {
            *input = if text.trim().is_empty() {
                Value::Object(serde_json::Map::new())
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
        }
        readable
    }
}

/// The readable reply fields; each only when the loader accepts it as written (a stop reason it
/// knows, a tool name and input it can hold), the rest as a comment.
fn readable(rule: &mut RuleText, readable: &Readable) {
    if !readable.reasoning.is_empty() {
        rule.line(format!(
            "reasoning = {}",
            toml_str(&escape_template(&readable.reasoning))
        ));
    }
    if !readable.text.is_empty() {
        rule.line(format!(
            "text = {}",
            toml_str(&escape_template(&readable.text))
        ));
    }
    let mut calls = Vec::new();
    for (id, name, input) in &readable.tool_uses {
        let input = escape_template_json(input);
        match toml::Value::try_from(&input) {
            Ok(table @ toml::Value::Table(_)) if valid_tool_name(name) && valid_id(id) => calls
                .push(format!(
                    "{{ name = {}, id = {}, input = {} }}",
                    toml_str(name),
                    toml_str(id),
                    inline(&table)
                )),
            _ => rule.line(format!("# tool_use {name} ({id}), input {input}")),
        }
    }
    if !calls.is_empty() {
        rule.line(format!("tool_use = [{}]", calls.join(", ")));
    }
    if let Some(stop) = &readable.stop_reason {
        const KNOWN: &[&str] = &[
            "end_turn",
            "tool_use",
            "max_tokens",
            "stop_sequence",
            "guardrail_intervened",
            "content_filtered",
        ];
        if KNOWN.contains(&stop.as_str()) {
            rule.line(format!("stop_reason = {}", toml_str(stop)));
        } else {
            rule.line(format!("# stop reason {}", toml_str(stop)));
        }
    }
    let usage: Vec<String> = [
        ("input_tokens", readable.input_tokens),
        ("output_tokens", readable.output_tokens),
    ]
    .into_iter()
    .filter_map(|(name, n)| Some(format!("{name} = {}", u32::try_from(n?).ok()?)))
    .collect();
    if !usage.is_empty() {
        rule.line(format!("usage = {{ {} }}", usage.join(", ")));
    }
}

/// One frame of `events` on one line.
fn event_line(event: &RecordedEvent) -> String {
    let after = millis(event.after);
    match &event.frame {
        Frame::Event {
            event_type,
            payload,
        } => format!(
            "{{ after_ms = {after}, event = {}, payload = {} }}",
            toml_str(event_type),
            toml_str(payload)
        ),
        Frame::Chunk(chunk) => format!("{{ after_ms = {after}, chunk = {} }}", toml_str(chunk)),
        Frame::Exception {
            exception_type,
            payload,
        } => format!(
            "{{ after_ms = {after}, exception = {}, payload = {} }}",
            toml_str(exception_type),
            toml_str(payload)
        ),
    }
}

/// Decodes the frames of a stream as its bytes pass, timing each.
#[derive(Debug, Default)]
pub(crate) struct FrameCapture {
    decoder: aws_smithy_eventstream::frame::MessageFrameDecoder,
    buffer: BytesMut,
    /// Frames so far.
    pub events: Vec<RecordedEvent>,
    /// Set when a frame could not be decoded: the stream is still passed on, not recorded.
    pub broken: bool,
}

impl FrameCapture {
    /// Takes the next bytes, arrived `after` the previous frame (the first: after the request);
    /// returns whether at least one frame completed.
    pub fn push(&mut self, bytes: &[u8], after: Duration) -> bool {
        use aws_smithy_eventstream::frame::DecodedFrame;
        self.buffer.extend_from_slice(bytes);
        let mut completed = false;
        while !self.broken {
            match self.decoder.decode_frame(&mut self.buffer) {
                Ok(DecodedFrame::Complete(message)) => {
                    let after = if completed { Duration::ZERO } else { after };
                    completed = true;
                    match frame_of(&message) {
                        Some(frame) => self.events.push(RecordedEvent { after, frame }),
                        None => self.broken = true,
                    }
                }
                Ok(DecodedFrame::Incomplete) => break,
                Err(_) => self.broken = true,
            }
        }
        completed
    }
}

/// A decoded frame as recorded: events and exceptions with their payload text; a native `chunk`
/// with its `bytes` decoded.
fn frame_of(message: &aws_smithy_types::event_stream::Message) -> Option<Frame> {
    use base64::Engine;
    let header = |name: &str| {
        message
            .headers()
            .iter()
            .find(|h| h.name().as_str() == name)
            .and_then(|h| h.value().as_string().ok())
            .map(|s| s.as_str().to_string())
    };
    let payload = String::from_utf8(message.payload().to_vec()).ok()?;
    match header(":message-type")?.as_str() {
        "event" => {
            let event_type = header(":event-type")?;
            if event_type == "chunk" {
                let value: Value = serde_json::from_str(&payload).ok()?;
                let bytes = value.get("bytes").and_then(Value::as_str)?;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(bytes)
                    .ok()?;
                return Some(Frame::Chunk(String::from_utf8(decoded).ok()?));
            }
            Some(Frame::Event {
                event_type,
                payload,
            })
        }
        "exception" => Some(Frame::Exception {
            exception_type: header(":exception-type")?,
            payload,
        }),
        _ => None,
    }
}

/// A rule's text being written.
#[derive(Default)]
struct RuleText(String);

impl RuleText {
    fn line(&mut self, line: impl AsRef<str>) {
        if self.0.is_empty() {
            self.0.push_str("[[rule]]\n");
        }
        self.0.push_str(line.as_ref());
        self.0.push('\n');
    }

    fn blank(&mut self) {
        self.0.push('\n');
    }
}

/// A TOML string with the escapes it needs.
fn toml_str(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML value on one line (tables inline).
fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(table) => {
            let fields: Vec<String> = table
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), inline(v)))
                .collect();
            if fields.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", fields.join(", "))
            }
        }
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        toml::Value::String(s) => toml_str(s),
        other => other.to_string(),
    }
}

/// A bare key when TOML allows one, else a quoted one.
fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        toml_str(key)
    }
}

/// Readable text is a template in a scenario file: a literal `{{` is written `\{{`.
fn escape_template(text: &str) -> String {
    text.replace("{{", "\\{{")
}

fn escape_template_json(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(escape_template(s)),
        Value::Array(items) => Value::Array(items.iter().map(escape_template_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), escape_template_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A model id as a glob matching only itself (`*?[]{}\` escaped).
fn escape_glob(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'))
}

/// Milliseconds, saturating.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
