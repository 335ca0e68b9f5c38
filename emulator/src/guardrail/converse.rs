//! A guardrail on Converse and ConverseStream: the prompt checked before the model is asked, the
//! answer checked after, and the `trace.guardrail` the answer carries.
//!
//! What is checked follows AWS's "Include a guardrail with the Converse API": when any message
//! or the system prompt carries `guardContent` blocks, only those blocks; otherwise the text of
//! every user message (the whole conversation, which public reports describe, e.g.
//! aws-samples/bedrock-access-gateway#107: one blocked turn keeps blocking later ones). Tool
//! results, tool definitions and tool-call arguments are not checked, as that page's table says.
//! The model receives `guardContent` text like any other text.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::definition::{Guardrail, Source};
use super::evaluate::{self, Assessment};
use super::render::{self, Applied};
use super::request::{GuardrailConfig, StreamMode, text_block};
use crate::answer::Reply;
use crate::turn::{AnswerBlock, Block, Operation, StopReason, StreamShape, Turn};

/// Where a checked text sits in the request, so that masking can put it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// `messages[i].content[j]`.
    Message(usize, usize),
    /// A `system` block.
    System,
}

/// The guardrail of one Converse request and what it found so far.
#[derive(Debug)]
pub(crate) struct Guard {
    config: GuardrailConfig,
    region: String,
    input: Option<(Assessment, u64)>,
    output: Option<(Assessment, u64, Option<String>)>,
}

/// What the prompt check decided.
#[derive(Debug)]
pub(crate) enum InputVerdict {
    /// Ask the model (the turn's checked texts masked where the guardrail anonymizes).
    Proceed,
    /// Do not ask the model: this is the answer.
    Blocked(Reply),
}

impl Guard {
    /// The guard for a request with `config`, in the endpoint's `region` (for ARNs).
    pub fn new(config: GuardrailConfig, region: &str) -> Self {
        Guard {
            config,
            region: region.to_string(),
            input: None,
            output: None,
        }
    }

    fn guardrail(&self) -> &Guardrail {
        &self.config.guardrail
    }

    /// Checks the prompt of `body` (already validated into `turn`); masks `turn` in place when
    /// the guardrail anonymizes, or gives the blocked answer.
    pub fn check_input(&mut self, body: &Value, turn: &mut Turn) -> InputVerdict {
        let started = Instant::now();
        let (texts, total_chars) = input_texts(body);
        let refs: Vec<&str> = texts.iter().map(|(_, t)| t.as_str()).collect();
        let mut assessment = evaluate::assess(self.guardrail(), &refs, Source::Input);
        assessment.total_chars = total_chars;
        let latency = elapsed_ms(started);
        if assessment.masked() {
            for (place, text) in &texts {
                let masked = evaluate::mask(text, &assessment);
                match *place {
                    Place::Message(i, j) => {
                        if let Some(block) =
                            turn.messages.get_mut(i).and_then(|m| m.blocks.get_mut(j))
                            && matches!(block, Block::Text(_))
                        {
                            *block = Block::Text(masked);
                        }
                    }
                    Place::System => {
                        turn.system = turn
                            .system
                            .as_ref()
                            .map(|s| s.replace(text.as_str(), &masked));
                    }
                }
            }
        }
        let blocked = assessment.blocked();
        self.input = Some((assessment, latency));
        if !blocked {
            return InputVerdict::Proceed;
        }
        // The model is not asked, so no model tokens are used: usage is zero (not verified
        // against a real answer).
        let mut reply = Reply {
            blocks: vec![AnswerBlock::Text(self.guardrail().blocked_input.clone())],
            stop_reason: StopReason::GuardrailIntervened,
            input_tokens: 0,
            output_tokens: 0,
            latency: std::time::Duration::ZERO,
            stream: StreamShape {
                tokens_per_chunk: crate::scenario::DEFAULT_CHUNK_TOKENS,
                tokens_per_second: None,
            },
            cache: None,
            trace: None,
            measured: false,
        };
        reply.trace = self.trace();
        InputVerdict::Blocked(reply)
    }

    /// Checks the answer in `reply` and changes it as the guardrail does: blocked → the blocked
    /// output message; masked → the matches replaced by `{TYPE}`; an `async` stream → the text
    /// up to the chunk where a violation showed, then the blocked message (masking does not
    /// apply, as AWS's streaming page warns). Sets the reply's trace.
    pub fn check_output(&mut self, reply: &mut Reply, operation: Operation) {
        let started = Instant::now();
        let original = reply.text();
        let asynchronous =
            operation == Operation::ConverseStream && self.config.mode == StreamMode::Async;
        let assessment = if asynchronous {
            self.check_async(reply)
        } else {
            let texts: Vec<String> = text_blocks(reply);
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let assessment = evaluate::assess(self.guardrail(), &refs, Source::Output);
            if assessment.blocked() {
                reply.blocks = vec![AnswerBlock::Text(self.guardrail().blocked_output.clone())];
            } else if assessment.masked() {
                for block in &mut reply.blocks {
                    if let AnswerBlock::Text(text) = block {
                        *text = evaluate::mask(text, &assessment);
                    }
                }
            }
            assessment
        };
        if assessment.intervened() {
            reply.stop_reason = StopReason::GuardrailIntervened;
        }
        let model_output = assessment.intervened().then_some(original);
        self.output = Some((assessment, elapsed_ms(started), model_output));
        reply.trace = self.trace();
    }

    /// The `async` check: chunk by chunk, as the stream will send them.
    fn check_async(&self, reply: &mut Reply) -> Assessment {
        let mut seen: Vec<String> = Vec::new();
        for index in 0..reply.blocks.len() {
            let Some(AnswerBlock::Text(text)) = reply.blocks.get(index) else {
                continue;
            };
            let mut sent = String::new();
            for (chunk, _) in reply.text_pieces(text) {
                sent.push_str(&chunk);
                let mut refs: Vec<&str> = seen.iter().map(String::as_str).collect();
                refs.push(&sent);
                let mut assessment = evaluate::assess(self.guardrail(), &refs, Source::Output);
                if assessment.blocked() {
                    let separator = if sent.ends_with(char::is_whitespace) {
                        ""
                    } else {
                        "\n"
                    };
                    let cut = format!("{sent}{separator}{}", self.guardrail().blocked_output);
                    reply.blocks.truncate(index);
                    reply.blocks.push(AnswerBlock::Text(cut));
                    assessment.leave_unmasked();
                    return assessment;
                }
            }
            seen.push(sent);
        }
        let refs: Vec<&str> = seen.iter().map(String::as_str).collect();
        let mut assessment = evaluate::assess(self.guardrail(), &refs, Source::Output);
        assessment.leave_unmasked();
        assessment
    }

    /// `{"guardrail": {...}}` for the answer's `trace`, `None` when the trace is disabled.
    fn trace(&self) -> Option<serde_json::Value> {
        let scope = self.config.trace.scope()?;
        let applied = Applied {
            guardrail: self.guardrail(),
            version: &self.config.version,
            region: &self.region,
        };
        let id = &self.guardrail().id;
        let mut guardrail = Map::new();
        let mut reason = None;
        if let Some((assessment, latency)) = &self.input {
            guardrail.insert(
                "inputAssessment".into(),
                json!({ id.clone(): render::assessment(applied, assessment, scope, *latency) }),
            );
            reason = render::action_reason(assessment);
        }
        if let Some((assessment, latency, model_output)) = &self.output {
            if let Some(text) = model_output {
                guardrail.insert("modelOutput".into(), json!([text]));
            }
            guardrail.insert(
                "outputAssessments".into(),
                json!({ id.clone(): [render::assessment(applied, assessment, scope, *latency)] }),
            );
            reason = reason.or(render::action_reason(assessment));
        }
        if let Some(reason) = reason {
            guardrail.insert("actionReason".into(), reason.into());
        }
        Some(json!({ "guardrail": guardrail }))
    }
}

/// The texts the prompt check reads, with their places, and the characters of all user and
/// `guardContent` text (the coverage's `total`).
fn input_texts(body: &Value) -> (Vec<(Place, String)>, usize) {
    let mut guarded = Vec::new();
    let mut plain = Vec::new();
    let mut total = 0usize;
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, message) in messages.iter().enumerate() {
        let user = message.get("role").and_then(Value::as_str) == Some("user");
        let content = message
            .get("content")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (j, block) in content.iter().enumerate() {
            if let Some(text) = guard_text(block) {
                total += text.chars().count();
                guarded.push((Place::Message(i, j), text));
            } else if let (true, Some(text)) = (user, block.get("text").and_then(Value::as_str)) {
                total += text.chars().count();
                plain.push((Place::Message(i, j), text.to_string()));
            }
        }
    }
    let system = body
        .get("system")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for block in system {
        if let Some(text) = guard_text(block) {
            total += text.chars().count();
            guarded.push((Place::System, text));
        }
    }
    let texts = if guarded.is_empty() { plain } else { guarded };
    (texts, total)
}

/// The guarded text of a `guardContent` block (validated already, so shapes hold).
fn guard_text(block: &Value) -> Option<String> {
    let text = block.get("guardContent")?.get("text")?;
    let content = text_block(text, "guardContent.text").ok()?;
    content.guarded.then_some(content.text)
}

fn text_blocks(reply: &Reply) -> Vec<String> {
    reply
        .blocks
        .iter()
        .filter_map(|b| match b {
            AnswerBlock::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
