//! Reading scenario files (TOML or JSON) into rules, with errors that name file, rule and field.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use bedrock_catalog::Demo;
use regex::RegexBuilder;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::format::{EventSpec, FaultSpec, FileSpec, MatchSpec, OneOrMany, ReplySpec, RuleSpec};
use super::matcher::{Matcher, ResultField, model_globs, parse_operation};
use super::rule::{
    DEFAULT_CHUNK_TOKENS, FaultKind, FaultPlan, Reply, Rule, default_message, default_status,
    upper_camel,
};
use super::template::{JsonTemplate, Template};
use crate::data_file::{self, Format, first_refused};
use crate::record::digest::is_digest;
use crate::replay::is_replayed_header;
use crate::turn::{Frame, RecordedEvent, StopReason, UsageOverride};

/// Default hold of a `timeout` fault.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1000);
/// Default hold of a `stall` fault on a non-streaming operation.
const DEFAULT_STALL_HOLD: Duration = Duration::from_secs(30);
/// Stream exception types the SDKs model (anything else would reach callers as an unknown error).
const STREAM_EXCEPTIONS: &[&str] = &[
    "modelStreamErrorException",
    "throttlingException",
    "validationException",
    "internalServerException",
    "serviceUnavailableException",
    "modelTimeoutException",
];

/// A mistake in a scenario file: which file, which rule (name and position), which field, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scenario file `{file}`{}{}: {message}", rule_part(rule.as_deref()), field_part(field.as_deref()))]
pub struct ScenarioError {
    /// The file (path or name given to the loader).
    pub file: String,
    /// The rule, as ``rule `name` (#N)`` or `rule #N`, when the mistake is inside one.
    pub rule: Option<String>,
    /// The field path inside the rule (`match.regex`, `fault.kind`), when known.
    pub field: Option<String>,
    /// What is wrong and, where possible, what is expected.
    pub message: String,
}

impl ScenarioError {
    /// A mistake in the file as a whole (it cannot be read or parsed), not in one rule.
    pub(crate) fn in_file(file: &str, message: String) -> ScenarioError {
        ScenarioError {
            file: file.to_string(),
            rule: None,
            field: None,
            message,
        }
    }
}

/// `, rule X` or nothing.
fn rule_part(rule: Option<&str>) -> String {
    rule.map(|r| format!(", {r}")).unwrap_or_default()
}

/// `, field `x`` or nothing.
fn field_part(field: Option<&str>) -> String {
    field.map(|f| format!(", field `{f}`")).unwrap_or_default()
}

/// Parses a whole file into rules in file order.
pub(crate) fn parse(file: &str, text: &str, format: Format) -> Result<Vec<Rule>, ScenarioError> {
    let file_error = |message: String| ScenarioError::in_file(file, message);
    let raw = data_file::parse(text, format).map_err(file_error)?;
    let spec: FileSpec = serde_json::from_value(raw).map_err(|e| file_error(e.to_string()))?;
    let mut rules: Vec<Rule> = Vec::with_capacity(spec.rule.len());
    for (index, value) in spec.rule.into_iter().enumerate() {
        let rule = RuleLoader::new(file, index, &value).load(value)?;
        if rules.iter().any(|r| r.name == rule.name) {
            return Err(ScenarioError {
                file: file.to_string(),
                rule: Some(format!("rule `{}` (#{})", rule.name, index + 1)),
                field: Some("name".into()),
                message: "another rule of this file already has this name".into(),
            });
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// Loads one rule, knowing where it is for error messages.
struct RuleLoader<'a> {
    /// File name.
    file: &'a str,
    /// How the rule is named in errors.
    label: String,
    /// The rule's name (given, or `#N`).
    name: String,
}

impl<'a> RuleLoader<'a> {
    /// Prepares to load the `index`-th (0-based) rule.
    fn new(file: &'a str, index: usize, value: &Value) -> Self {
        let given = value.get("name").and_then(Value::as_str);
        let position = index + 1;
        RuleLoader {
            file,
            label: match given {
                Some(name) => format!("rule `{name}` (#{position})"),
                None => format!("rule #{position}"),
            },
            name: given.map_or_else(|| format!("#{position}"), str::to_string),
        }
    }

    /// An error at `field` of this rule.
    fn error(&self, field: Option<&str>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            rule: Some(self.label.clone()),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    /// Reads and validates every section.
    fn load(self, value: Value) -> Result<Rule, ScenarioError> {
        let spec: RuleSpec = self.section(None, value)?;
        if spec.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(self.error(Some("name"), "a rule name must not be empty"));
        }
        let matcher = match spec.when {
            Some(value) => self.matcher(self.section(Some("match"), value)?)?,
            None => Matcher::default(),
        };
        let reply = match spec.reply {
            Some(value) => Some(self.reply(self.section(Some("reply"), value)?)?),
            None => None,
        };
        let fault = match spec.fault {
            Some(value) => Some(self.fault(self.fault_section(value)?)?),
            None => None,
        };
        if reply.is_none() && fault.is_none() {
            return Err(self.error(None, "a rule needs a `reply` or a `fault` section"));
        }
        Ok(Rule {
            name: self.name,
            matcher,
            reply,
            fault,
            calls: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Deserializes one section; on failure finds the offending field by trying each alone.
    fn section<T: DeserializeOwned>(
        &self,
        section: Option<&str>,
        value: Value,
    ) -> Result<T, ScenarioError> {
        data_file::section(section, value)
            .map_err(|(field, message)| self.error(field.as_deref(), message))
    }

    /// Compiles `[rule.match]`.
    fn matcher(&self, spec: MatchSpec) -> Result<Matcher, ScenarioError> {
        let case_sensitive = spec.case_sensitive.unwrap_or(false);
        let operations = spec
            .operation
            .map(OneOrMany::into_vec)
            .unwrap_or_default()
            .iter()
            .map(|name| {
                parse_operation(name).ok_or_else(|| {
                    self.error(
                        Some("match.operation"),
                        format!(
                            "unknown operation `{name}`, expected one of Converse, ConverseStream, \
                             InvokeModel, InvokeModelWithResponseStream, CountTokens"
                        ),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let regex = spec
            .regex
            .map(|pattern| {
                RegexBuilder::new(&pattern)
                    .case_insensitive(!case_sensitive)
                    .build()
                    .map_err(|e| self.error(Some("match.regex"), e.to_string()))
            })
            .transpose()?;
        if spec.turn == Some(0) {
            return Err(self.error(Some("match.turn"), "turns are numbered from 1"));
        }
        let contains = spec.contains.map(OneOrMany::into_vec).unwrap_or_default();
        let demo = spec
            .demo
            .map(|name| {
                Demo::from_name(&name).ok_or_else(|| {
                    let valid: Vec<&str> = Demo::ALL.iter().map(|d| d.name()).collect();
                    self.error(
                        Some("match.demo"),
                        format!(
                            "unknown demo `{name}`, expected one of {}",
                            valid.join(", ")
                        ),
                    )
                })
            })
            .transpose()?;
        let result = match spec.result {
            Some(value) => self.result_fields(value)?,
            None => Vec::new(),
        };
        let models = model_globs(&spec.model.map(OneOrMany::into_vec).unwrap_or_default())
            .map_err(|e| self.error(Some("match.model"), e.to_string()))?;
        if let Some(digest) = &spec.conversation
            && !is_digest(digest)
        {
            return Err(self.error(
                Some("match.conversation"),
                format!(
                    "`{digest}` is not a conversation digest: expected `sha256:` and 64 lower-case \
                     hex digits, as `bedrock-local record` writes it"
                ),
            ));
        }
        Ok(Matcher {
            models,
            operations,
            contains: if case_sensitive {
                contains
            } else {
                contains.iter().map(|c| c.to_lowercase()).collect()
            },
            case_sensitive,
            regex,
            system: spec
                .system
                .map(OneOrMany::into_vec)
                .unwrap_or_default()
                .iter()
                .map(|s| s.to_lowercase())
                .collect(),
            tool: spec.tool,
            has_tools: spec.has_tools,
            tool_result: spec.tool_result,
            turn: spec.turn,
            result,
            demo,
            conversation: spec.conversation,
        })
    }

    /// Reads `match.result`: a table of fields (nested tables and dotted keys both give a
    /// path), each a string, number or boolean, or a non-empty list of them (any may match).
    fn result_fields(&self, value: Value) -> Result<Vec<ResultField>, ScenarioError> {
        let Value::Object(table) = value else {
            return Err(self.error(
                Some("match.result"),
                "expected a table of tool result fields, e.g. result = { condition = \"Foggy\" }",
            ));
        };
        let mut fields = Vec::new();
        let mut pending: Vec<(Vec<String>, Map<String, Value>)> = vec![(Vec::new(), table)];
        while let Some((prefix, table)) = pending.pop() {
            for (key, value) in table {
                let mut path = prefix.clone();
                path.extend(key.split('.').map(str::to_string));
                let field = format!("match.result.{}", path.join("."));
                if path.iter().any(|segment| segment.trim().is_empty()) {
                    return Err(self.error(Some(&field), "a field name must not be empty"));
                }
                let accepted = match value {
                    Value::Object(inner) if !inner.is_empty() => {
                        pending.push((path, inner));
                        continue;
                    }
                    Value::Array(items) => items,
                    single => vec![single],
                };
                if accepted.is_empty() {
                    return Err(self.error(Some(&field), "a list of values must not be empty"));
                }
                if let Some(bad) = accepted
                    .iter()
                    .find(|v| !(v.is_string() || v.is_number() || v.is_boolean()))
                {
                    return Err(self.error(
                        Some(&field),
                        format!(
                            "expected a string, number or boolean (or a list of them), not `{bad}`"
                        ),
                    ));
                }
                fields.push(ResultField { path, accepted });
            }
        }
        fields.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(fields)
    }

    /// Validates the `index`-th frame of `reply.events`.
    fn recorded_event(
        &self,
        index: usize,
        spec: EventSpec,
    ) -> Result<RecordedEvent, ScenarioError> {
        let field = format!("reply.events[{index}]");
        let payload = |payload: Option<String>| {
            let payload = payload.ok_or_else(|| {
                self.error(
                    Some(&format!("{field}.payload")),
                    "an event or exception frame needs its payload",
                )
            })?;
            serde_json::from_str::<Value>(&payload).map_err(|e| {
                self.error(Some(&format!("{field}.payload")), format!("not JSON: {e}"))
            })?;
            Ok(payload)
        };
        let frame = match (spec.event, spec.chunk, spec.exception) {
            (Some(event_type), None, None) => Frame::Event {
                event_type,
                payload: payload(spec.payload)?,
            },
            (None, Some(chunk), None) if spec.payload.is_none() => Frame::Chunk(chunk),
            (None, None, Some(exception_type)) => Frame::Exception {
                exception_type,
                payload: payload(spec.payload)?,
            },
            _ => {
                return Err(self.error(
                    Some(&field),
                    "a frame sets exactly one of `event` (with `payload`), `chunk`, or `exception` (with `payload`)",
                ));
            }
        };
        Ok(RecordedEvent {
            after: Duration::from_millis(spec.after_ms.unwrap_or(0)),
            frame,
        })
    }

    /// Validates `[rule.reply]`.
    fn reply(&self, spec: ReplySpec) -> Result<Reply, ScenarioError> {
        let stop_reason = spec
            .stop_reason
            .map(|s| {
                parse_stop_reason(&s).ok_or_else(|| {
                    self.error(
                        Some("reply.stop_reason"),
                        format!(
                            "unknown stop reason `{s}`, expected one of end_turn, tool_use, \
                             max_tokens, stop_sequence, guardrail_intervened, content_filtered"
                        ),
                    )
                })
            })
            .transpose()?;
        let mut tool_uses = Vec::new();
        for (i, call) in spec.tool_use.unwrap_or_default().into_iter().enumerate() {
            let field = format!("reply.tool_use[{i}]");
            if !valid_name(&call.name) {
                return Err(self.error(
                    Some(&format!("{field}.name")),
                    format!(
                        "tool name `{}` must be 1-64 characters of letters, digits, `_` or `-`",
                        call.name
                    ),
                ));
            }
            if let Some(id) = &call.id
                && !valid_tool_use_id(id)
            {
                return Err(self.error(
                    Some(&format!("{field}.id")),
                    format!("toolUseId `{id}` must be 1-64 characters of letters, digits, `_.:-`"),
                ));
            }
            let input = call.input.unwrap_or_else(|| Value::Object(Map::new()));
            if !input.is_object() {
                return Err(self.error(
                    Some(&format!("{field}.input")),
                    "tool input must be a table (a JSON object)",
                ));
            }
            let input = JsonTemplate::parse(input, &format!("{field}.input"))
                .map_err(|(path, message)| self.error(Some(&path), message))?;
            tool_uses.push((call.name, input, call.id));
        }
        if spec.chunk_tokens == Some(0) {
            return Err(self.error(Some("reply.chunk_tokens"), "must be at least 1"));
        }
        if let Some(tps) = spec.tokens_per_second
            && !(tps.is_finite() && tps > 0.0)
        {
            return Err(self.error(Some("reply.tokens_per_second"), "must be a positive number"));
        }
        let template = |field: &str, text: Option<String>| {
            text.map(|text| Template::parse(&text).map_err(|e| self.error(Some(field), e)))
                .transpose()
        };
        let recorded_events = spec
            .events
            .map(|events| {
                events
                    .into_iter()
                    .enumerate()
                    .map(|(i, event)| self.recorded_event(i, event))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let mut recorded_headers = Vec::new();
        for (name, value) in spec.headers.unwrap_or_default() {
            let field = format!("reply.headers.{name}");
            if !is_replayed_header(&name) || http::HeaderName::from_bytes(name.as_bytes()).is_err()
            {
                return Err(self.error(
                    Some(&field),
                    "only `content-type` and `x-amzn-bedrock-*` headers are replayed",
                ));
            }
            if http::HeaderValue::from_str(&value).is_err() {
                return Err(self.error(Some(&field), "not a valid header value"));
            }
            recorded_headers.push((name, value));
        }
        let latency = Duration::from_millis(spec.latency_ms.unwrap_or(0));
        Ok(Reply {
            recorded_body: spec.body.map(|body| (body, latency)),
            recorded_events,
            recorded_headers,
            text: template("reply.text", spec.text)?,
            reasoning: template("reply.reasoning", spec.reasoning)?,
            tool_uses,
            stop_reason,
            usage: spec
                .usage
                .map_or_else(UsageOverride::default, |u| UsageOverride {
                    input_tokens: u.input_tokens,
                    output_tokens: u.output_tokens,
                }),
            latency,
            chunk_tokens: spec.chunk_tokens.unwrap_or(DEFAULT_CHUNK_TOKENS),
            tokens_per_second: spec.tokens_per_second,
        })
    }

    /// Deserializes `[rule.fault]`. Inside an enum tagged on `kind`, serde's message for a bad
    /// field does not say which field, so on failure the kind is tried alone, then each other
    /// field alone beside it: the first that fails is the culprit.
    fn fault_section(&self, value: Value) -> Result<FaultSpec, ScenarioError> {
        let whole = match serde_json::from_value::<FaultSpec>(value.clone()) {
            Ok(spec) => return Ok(spec),
            Err(e) => e,
        };
        let Value::Object(map) = value else {
            return Err(self.error(Some("fault"), "expected a table of fields"));
        };
        let Some(kind) = map.get("kind") else {
            return Err(self.error(
                Some("fault.kind"),
                format!("missing; expected one of {}", fault_kinds()),
            ));
        };
        let tag = Map::from_iter([("kind".to_string(), kind.clone())]);
        if let Err(e) = serde_json::from_value::<FaultSpec>(Value::Object(tag.clone())) {
            let message = match kind {
                Value::String(name) => {
                    format!(
                        "unknown fault kind `{name}`, expected one of {}",
                        fault_kinds()
                    )
                }
                _ => e.to_string(),
            };
            return Err(self.error(Some("fault.kind"), message));
        }
        let Some((key, e)) = first_refused::<FaultSpec>(&map, &tag) else {
            return Err(self.error(Some("fault"), whole.to_string()));
        };
        let message = e.to_string();
        let message = if message.starts_with("unknown field") {
            let kind = kind.as_str().unwrap_or_default();
            format!("does not apply to fault kind `{kind}` ({message})")
        } else {
            message
        };
        Err(self.error(Some(&format!("fault.{key}")), message))
    }

    /// Validates `[rule.fault]` and applies Bedrock's defaults.
    fn fault(&self, spec: FaultSpec) -> Result<FaultPlan, ScenarioError> {
        let (times, kind) = match spec {
            FaultSpec::Throttle { times, message } => (
                times,
                FaultKind::Exception {
                    code: "ThrottlingException".into(),
                    status: 429,
                    message: message.unwrap_or_else(|| default_message("ThrottlingException")),
                },
            ),
            FaultSpec::Exception {
                times,
                code,
                status,
                message,
            } => (times, self.exception(false, code, status, message)?),
            FaultSpec::ServerError {
                times,
                code,
                status,
                message,
            } => (times, self.exception(true, code, status, message)?),
            FaultSpec::Timeout { times, after_ms } => (
                times,
                FaultKind::Timeout(after_ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis)),
            ),
            FaultSpec::StreamException {
                times,
                after_events,
                exception,
                message,
            } => {
                let exception =
                    lower_camel(exception.as_deref().unwrap_or("modelStreamErrorException"));
                if !STREAM_EXCEPTIONS.contains(&exception.as_str()) {
                    return Err(self.error(
                        Some("fault.exception"),
                        format!(
                            "unknown stream exception `{exception}`, expected one of {}",
                            STREAM_EXCEPTIONS.join(", ")
                        ),
                    ));
                }
                (
                    times,
                    FaultKind::StreamException {
                        after_events: after_events.unwrap_or(2),
                        message: message
                            .unwrap_or_else(|| default_message(&upper_camel(&exception))),
                        exception,
                    },
                )
            }
            FaultSpec::Stall {
                times,
                after_events,
                after_ms,
            } => (
                times,
                FaultKind::Stall {
                    after_events: after_events.unwrap_or(2),
                    hold: after_ms.map_or(DEFAULT_STALL_HOLD, Duration::from_millis),
                },
            ),
        };
        Ok(FaultPlan { times, kind })
    }

    /// An `exception` or (with `server_error`) a `server_error` fault: code, status and message
    /// with Bedrock's defaults.
    fn exception(
        &self,
        server_error: bool,
        code: Option<String>,
        status: Option<u16>,
        message: Option<String>,
    ) -> Result<FaultKind, ScenarioError> {
        let code = match (server_error, code, status) {
            (_, Some(code), _) => code,
            (true, None, Some(503)) => "ServiceUnavailableException".into(),
            (true, None, _) => "InternalServerException".into(),
            (false, None, _) => {
                return Err(self.error(
                    Some("fault.code"),
                    "an `exception` fault needs a code, e.g. code = \"AccessDeniedException\"",
                ));
            }
        };
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(self.error(
                Some("fault.code"),
                format!(
                    "exception code `{code}` must be letters and digits, e.g. AccessDeniedException"
                ),
            ));
        }
        let status = match status.or_else(|| default_status(&code)) {
            Some(status) if (400..=599).contains(&status) => status,
            Some(status) => {
                return Err(self.error(
                    Some("fault.status"),
                    format!("status {status} is not an error status (400-599)"),
                ));
            }
            None => {
                return Err(self.error(
                    Some("fault.status"),
                    format!("`{code}` is not a Bedrock exception this endpoint knows; give its HTTP status"),
                ));
            }
        };
        if server_error && status < 500 {
            return Err(self.error(
                Some("fault.status"),
                format!("a server_error needs a 5xx status, not {status}"),
            ));
        }
        Ok(FaultKind::Exception {
            message: message.unwrap_or_else(|| default_message(&code)),
            code,
            status,
        })
    }
}

/// The fault kinds as serde's own "expected one of" list for [`FaultSpec`] (``"`throttle`,
/// `exception`, ..."``), read from its answer to an empty kind so that it cannot drift from the enum.
fn fault_kinds() -> String {
    let probe = Value::Object(Map::from_iter([("kind".to_string(), Value::from(""))]));
    let message = serde_json::from_value::<FaultSpec>(probe)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    match message.split_once("expected one of ") {
        Some((_, kinds)) => kinds.to_string(),
        None => message,
    }
}

/// Parses a Converse stop reason.
fn parse_stop_reason(s: &str) -> Option<StopReason> {
    [
        StopReason::EndTurn,
        StopReason::ToolUse,
        StopReason::MaxTokens,
        StopReason::StopSequence,
        StopReason::GuardrailIntervened,
        StopReason::ContentFiltered,
    ]
    .into_iter()
    .find(|r| r.as_str() == s)
}

/// Tool names: `^[a-zA-Z0-9_-]{1,64}$`.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Tool use ids: `^[a-zA-Z0-9_.:-]{1,64}$`.
fn valid_tool_use_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:-".contains(c))
}

/// `ModelStreamErrorException` → `modelStreamErrorException` (either spelling is accepted).
fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
