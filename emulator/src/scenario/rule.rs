//! A compiled rule and how it turns a matching turn into an [`Outcome`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::fallback;
use super::matcher::Matcher;
use super::template::{JsonTemplate, Template};
use crate::turn::{
    Answer, AnswerBlock, Fault, Operation, Outcome, Recorded, RecordedEvent, Source, StopReason,
    StreamShape, Turn, UsageOverride, Wire,
};

/// Approximate tokens per streamed text delta when a rule does not say.
pub(crate) const DEFAULT_CHUNK_TOKENS: usize = 3;

/// One rule of a scenario file, ready to answer.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// Name shown in logs and in [`Source::Scenario`].
    pub name: String,
    /// When it applies.
    pub matcher: Matcher,
    /// What it answers (`None`: a fault-only rule).
    pub reply: Option<Reply>,
    /// What it breaks.
    pub fault: Option<FaultPlan>,
    /// Matching calls so far; shared by clones so a set cloned into server state counts once.
    pub calls: Arc<AtomicU64>,
}

/// `[rule.reply]`, validated.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reply {
    /// Answer text.
    pub text: Option<Template>,
    /// Reasoning text.
    pub reasoning: Option<Template>,
    /// Tool calls: name, input, optional fixed id.
    pub tool_uses: Vec<(String, JsonTemplate, Option<String>)>,
    /// Explicit stop reason.
    pub stop_reason: Option<StopReason>,
    /// Usage override.
    pub usage: UsageOverride,
    /// Latency before the first byte.
    pub latency: Duration,
    /// Tokens per delta.
    pub chunk_tokens: usize,
    /// Pace override.
    pub tokens_per_second: Option<f64>,
    /// A recorded plain answer: body and latency (sent verbatim to non-streaming operations).
    pub recorded_body: Option<(String, Duration)>,
    /// A recorded stream's frames (sent verbatim to streaming operations).
    pub recorded_events: Option<Vec<RecordedEvent>>,
    /// Headers sent with a recorded body or stream.
    pub recorded_headers: Vec<(String, String)>,
}

/// A reply's content for one request, its templates filled.
struct Filled {
    /// Answer text.
    text: Option<String>,
    /// Reasoning text.
    reasoning: Option<String>,
    /// Tool calls: name, input, optional fixed id.
    tool_uses: Vec<(String, Value, Option<String>)>,
}

impl Reply {
    /// The recorded wire answer for `operation`, when the rule holds one of its kind.
    fn recorded_for(&self, operation: Operation) -> Option<Recorded> {
        let wire = if operation.is_streaming() {
            Wire::Events(self.recorded_events.clone()?)
        } else {
            let (body, latency) = self.recorded_body.clone()?;
            Wire::Body { body, latency }
        };
        Some(Recorded {
            headers: self.recorded_headers.clone(),
            wire,
        })
    }

    /// Fills the templates from `turn`; `None` when a placeholder's value is missing.
    fn fill(&self, turn: &Turn) -> Option<Filled> {
        let optional = |template: &Option<Template>| match template {
            Some(template) => template.render(turn).map(Some),
            None => Some(None),
        };
        Some(Filled {
            text: optional(&self.text)?,
            reasoning: optional(&self.reasoning)?,
            tool_uses: self
                .tool_uses
                .iter()
                .map(|(name, input, id)| Some((name.clone(), input.render(turn)?, id.clone())))
                .collect::<Option<_>>()?,
        })
    }
}

/// `[rule.fault]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FaultPlan {
    /// Only the first `times` matching calls fail; `None` = every call.
    pub times: Option<u64>,
    /// The failure itself.
    pub kind: FaultKind,
}

/// The kinds of failure a rule can inject.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FaultKind {
    /// An exception before any output (throttle, server errors and named exceptions).
    Exception {
        /// Error code.
        code: String,
        /// HTTP status.
        status: u16,
        /// Message.
        message: String,
    },
    /// Hold, then `ModelTimeoutException`.
    Timeout(Duration),
    /// An exception frame after some events.
    StreamException {
        /// Events before the exception.
        after_events: usize,
        /// lowerCamel exception type.
        exception: String,
        /// Message.
        message: String,
    },
    /// A stream that stops sending (a hold for non-streaming operations).
    Stall {
        /// Events before the stall.
        after_events: usize,
        /// Hold used when the operation does not stream.
        hold: Duration,
    },
}

/// What a rule decided for one matching call.
pub(crate) enum Decision {
    /// The rule answers (or fails).
    Outcome(Outcome),
    /// Try the next rule: this rule's fault is used up and it has no reply, or its reply
    /// needs a value (a placeholder) this request does not carry.
    PassThrough,
}

impl Rule {
    /// Answers a turn this rule matched, counting the call.
    pub fn decide(&self, turn: &Turn) -> Decision {
        // A recorded answer is sent as it was received: no template to fill, no cut to make.
        let recorded = self
            .reply
            .as_ref()
            .and_then(|reply| reply.recorded_for(turn.operation));
        if let Some(recorded) = recorded {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            if let Some(fault) = &self.fault
                && fault.times.is_none_or(|times| call < times)
            {
                return Decision::Outcome(Outcome::Fault(self.fault(turn, &fault.kind, None)));
            }
            return Decision::Outcome(Outcome::Recorded(recorded));
        }
        // Fill the reply first: a rule whose reply needs a value the request lacks does not
        // apply at all (no fault either, and the call is not counted).
        let filled = match &self.reply {
            Some(reply) => match reply.fill(turn) {
                Some(filled) => Some(filled),
                None => return Decision::PassThrough,
            },
            None => None,
        };
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(fault) = &self.fault {
            if fault.times.is_none_or(|times| call < times) {
                let fault = self.fault(turn, &fault.kind, filled);
                return Decision::Outcome(Outcome::Fault(fault));
            }
            if filled.is_none() {
                return Decision::PassThrough;
            }
        }
        Decision::Outcome(Outcome::Answer(self.answer(turn, filled)))
    }

    /// The reply (`filled` from this rule's `reply`), completed from the fallback where the
    /// rule leaves blocks out.
    fn answer(&self, turn: &Turn, filled: Option<Filled>) -> Answer {
        let (Some(reply), Some(filled)) = (&self.reply, filled) else {
            return self.tag(fallback::answer(turn, &[]));
        };
        let mut blocks = Vec::new();
        if let Some(reasoning) = filled.reasoning {
            blocks.push(AnswerBlock::Reasoning(reasoning));
        }
        if let Some(text) = filled.text {
            blocks.push(AnswerBlock::Text(text));
        }
        for (index, (name, input, id)) in filled.tool_uses.into_iter().enumerate() {
            blocks.push(AnswerBlock::ToolUse {
                id: id.unwrap_or_else(|| tool_use_id(turn, index, &name)),
                name,
                input,
            });
        }
        let mut stop_reason = reply.stop_reason.unwrap_or(if reply.tool_uses.is_empty() {
            StopReason::EndTurn
        } else {
            StopReason::ToolUse
        });
        if reply.text.is_none() && reply.tool_uses.is_empty() {
            // Only overrides given (latency, reasoning, pace...): the fallback supplies the content.
            let base = fallback::answer(turn, &[]);
            blocks.extend(
                base.blocks
                    .into_iter()
                    .filter(|b| !matches!(b, AnswerBlock::Reasoning(_))),
            );
            stop_reason = reply.stop_reason.unwrap_or(base.stop_reason);
        }
        Answer {
            blocks,
            stop_reason,
            usage: reply.usage,
            latency: reply.latency,
            stream: StreamShape {
                tokens_per_chunk: reply.chunk_tokens,
                tokens_per_second: reply.tokens_per_second,
            },
            source: Source::Scenario(self.name.clone()),
        }
    }

    /// Marks an answer as coming from this rule.
    fn tag(&self, mut answer: Answer) -> Answer {
        answer.source = Source::Scenario(self.name.clone());
        answer
    }

    /// The fault for this operation; stream failures become their plain equivalents when the
    /// operation does not stream, so every rule means something for every operation.
    fn fault(&self, turn: &Turn, kind: &FaultKind, filled: Option<Filled>) -> Fault {
        let streaming = turn.operation.is_streaming();
        match kind.clone() {
            FaultKind::Exception {
                code,
                status,
                message,
            } => Fault::Exception {
                code,
                status,
                message,
            },
            FaultKind::Timeout(hold) => Fault::Timeout(hold),
            FaultKind::StreamException {
                after_events,
                exception,
                message,
            } if streaming => Fault::StreamException {
                after_events,
                exception,
                message,
                answer: self.answer(turn, filled),
            },
            FaultKind::StreamException {
                exception, message, ..
            } => {
                let code = upper_camel(&exception);
                let status = default_status(&code).unwrap_or(500);
                Fault::Exception {
                    code,
                    status,
                    message,
                }
            }
            FaultKind::Stall { after_events, .. } if streaming => Fault::Stall {
                after_events,
                answer: self.answer(turn, filled),
            },
            FaultKind::Stall { hold, .. } => Fault::Timeout(hold),
        }
    }
}

/// A deterministic `toolUseId` (`tooluse_` + 20 base-62 characters) for the `index`-th call of a turn.
pub(crate) fn tool_use_id(turn: &Turn, index: usize, name: &str) -> String {
    // FNV-1a over what identifies the call: the same conversation always gets the same id.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let seed = format!(
        "{}|{}|{}|{}|{}",
        turn.base_model_id,
        turn.turn_number(),
        turn.last_user_text(),
        index,
        name
    );
    let mut id = String::from("tooluse_");
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for round in 0..20u8 {
        for byte in seed.bytes().chain([round]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        // The modulo keeps the index below 62, so the lookup always succeeds.
        let digit = ALPHABET.get((hash % 62) as usize).copied().unwrap_or(b'0');
        id.push(char::from(digit));
    }
    id
}

/// `modelStreamErrorException` → `ModelStreamErrorException`.
pub(crate) fn upper_camel(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The HTTP status Bedrock uses for a known exception code.
pub(crate) fn default_status(code: &str) -> Option<u16> {
    Some(match code {
        "ValidationException" | "ServiceQuotaExceededException" => 400,
        "AccessDeniedException"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "MissingAuthenticationTokenException" => 403,
        "ResourceNotFoundException" => 404,
        "ModelTimeoutException" => 408,
        "ConflictException" => 409,
        "ModelErrorException" | "ModelStreamErrorException" => 424,
        "ThrottlingException" | "ModelNotReadyException" => 429,
        "InternalServerException" => 500,
        "ServiceUnavailableException" => 503,
        _ => return None,
    })
}

/// The message Bedrock uses for a known exception code (a neutral one otherwise).
pub(crate) fn default_message(code: &str) -> String {
    match code {
        "ThrottlingException" => "Too many requests, please wait before trying again.".into(),
        "AccessDeniedException" => {
            "You don't have access to the model with the specified model ID.".into()
        }
        "ResourceNotFoundException" => "The provided model identifier is invalid.".into(),
        "ModelTimeoutException" => {
            "Model has timed out in processing the request. Try your request again.".into()
        }
        "InternalServerException" => {
            "The server encountered an internal error while processing the request.".into()
        }
        "ServiceUnavailableException" => {
            "The service is temporarily unable to handle the request. Try again later.".into()
        }
        "ModelNotReadyException" => {
            "Model is not ready to serve inference requests. Try again later.".into()
        }
        "ModelStreamErrorException" | "modelStreamErrorException" => {
            "The model stream was interrupted.".into()
        }
        other => format!("{other} injected by a bedrock-local scenario rule."),
    }
}
