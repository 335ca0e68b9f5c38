//! The server's answer, chunk by chunk, as Bedrock content blocks and ConverseStream events.
//!
//! A streamed answer arrives as chat-completion chunks (`choices[0].delta` with `content`,
//! `reasoning_content` or `reasoning`, and `tool_calls` fragments); a whole answer is its
//! `choices[0].message`, taken as one chunk. Either way each piece becomes a Bedrock event at
//! once: text and reasoning deltas, a tool call's `contentBlockStart` and its input fragments, and
//! a `contentBlockStop` when the next block begins. At the end the tool inputs are parsed: one
//! that is not a JSON object ends the answer with `malformed_tool_use`, as Bedrock reports it.

use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::{Value, json};

use crate::turn::{AnswerBlock, StopReason};

/// One ConverseStream event, before it is encoded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    /// `contentBlockStart` of a tool call.
    ToolStart {
        /// `contentBlockIndex`.
        index: usize,
        /// `toolUseId`.
        id: String,
        /// Tool name.
        name: String,
    },
    /// `contentBlockDelta` with this `delta`.
    Delta {
        /// `contentBlockIndex`.
        index: usize,
        /// `{"text": ..}`, `{"reasoningContent": {"text": ..}}` or `{"toolUse": {"input": ..}}`.
        delta: Value,
    },
    /// `contentBlockStop`; a reasoning block's whole text comes along, for its signature.
    Stop {
        /// `contentBlockIndex`.
        index: usize,
        /// The block's text, when it was reasoning.
        reasoning: Option<String>,
    },
}

/// The whole answer, once the server has finished.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finished {
    /// Content blocks (a tool call whose input did not parse is left out).
    pub blocks: Vec<AnswerBlock>,
    /// Bedrock's stop reason.
    pub stop_reason: StopReason,
    /// `usage.prompt_tokens`, when the server counted.
    pub input_tokens: Option<u32>,
    /// `usage.completion_tokens`, else one per streamed chunk that carried output (servers
    /// stream one token per chunk), else an estimate from the text.
    pub output_tokens: u32,
}

#[derive(Debug)]
enum Building {
    Text(String),
    Reasoning(String),
    Tool {
        /// The server's `tool_calls[].index`, which its later fragments repeat.
        server_index: u64,
        id: String,
        name: String,
        input: String,
    },
}

/// Turns a server's chunks into events and, at the end, the answer.
#[derive(Debug, Default)]
pub(crate) struct Translator {
    blocks: Vec<Building>,
    /// Whether the last block still takes deltas.
    open: bool,
    finish_reason: Option<String>,
    /// The stop sequence the server says it stopped at (vLLM's `stop_reason`).
    stopped_at: Option<String>,
    usage: Option<(u32, u32)>,
    output_chunks: u32,
    streamed: bool,
}

impl Translator {
    /// A translator for one answer.
    pub fn new() -> Translator {
        Translator::default()
    }

    /// One streamed chunk: the events it makes, or what is wrong with it.
    pub fn push_chunk(&mut self, chunk: &Value) -> Result<Vec<Event>, String> {
        self.streamed = true;
        let choice = self.read_envelope(chunk)?;
        let mut events = Vec::new();
        if let Some(delta) = choice.and_then(|c| c.get("delta")) {
            let before = events.len();
            self.push_delta(delta, None, &mut events);
            if events.len() > before {
                self.output_chunks = self.output_chunks.saturating_add(1);
            }
        }
        Ok(events)
    }

    /// A whole (non-streamed) response, taken as one chunk.
    pub fn push_response(&mut self, response: &Value) -> Result<(), String> {
        let choice = self.read_envelope(response)?;
        let message = choice
            .and_then(|c| c.get("message"))
            .ok_or("the answer has no choices[0].message")?;
        let mut events = Vec::new();
        self.push_delta(message, Some(()), &mut events);
        Ok(())
    }

    /// The final events (the last block's stop) and the answer.
    pub fn finish(mut self) -> (Vec<Event>, Finished) {
        let mut events = Vec::new();
        self.close(&mut events);
        let mut malformed = false;
        let mut has_tool = false;
        let mut blocks = Vec::with_capacity(self.blocks.len());
        let mut text_tokens = 0u32;
        for block in self.blocks {
            match block {
                Building::Text(text) => {
                    text_tokens = text_tokens.saturating_add(crate::tokens::count(&text));
                    blocks.push(AnswerBlock::Text(text));
                }
                Building::Reasoning(text) => {
                    text_tokens = text_tokens.saturating_add(crate::tokens::count(&text));
                    blocks.push(AnswerBlock::Reasoning(text));
                }
                Building::Tool {
                    id, name, input, ..
                } => {
                    text_tokens = text_tokens.saturating_add(crate::tokens::count(&input));
                    match parse_input(&input) {
                        Some(input) if !name.is_empty() => {
                            has_tool = true;
                            blocks.push(AnswerBlock::ToolUse { id, name, input });
                        }
                        _ => malformed = true,
                    }
                }
            }
        }
        let stop_reason = if malformed {
            StopReason::MalformedToolUse
        } else {
            match self.finish_reason.as_deref() {
                Some("length") => StopReason::MaxTokens,
                Some("content_filter") => StopReason::ContentFiltered,
                Some("tool_calls" | "function_call") => StopReason::ToolUse,
                // Ollama says `stop` after a tool call.
                _ if has_tool => StopReason::ToolUse,
                _ if self.stopped_at.is_some() => StopReason::StopSequence,
                _ => StopReason::EndTurn,
            }
        };
        let output_tokens = match (self.usage, self.streamed) {
            (Some((_, output)), _) => output,
            (None, true) => self.output_chunks,
            (None, false) => text_tokens,
        };
        let finished = Finished {
            blocks,
            stop_reason,
            input_tokens: self.usage.map(|(input, _)| input),
            output_tokens,
        };
        (events, finished)
    }

    /// Whether the server said it finished (a stream that ends before is broken).
    pub fn has_finished(&self) -> bool {
        self.finish_reason.is_some()
    }

    /// Reads `error`, `usage` and `choices[0].finish_reason`; returns `choices[0]`.
    fn read_envelope<'a>(&mut self, chunk: &'a Value) -> Result<Option<&'a Value>, String> {
        let Some(map) = chunk.as_object() else {
            return Err(format!(
                "a chunk is not a JSON object: {}",
                super::excerpt(&chunk.to_string())
            ));
        };
        if let Some(error) = map.get("error").filter(|e| !e.is_null()) {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .or_else(|| error.as_str())
                .map_or_else(|| error.to_string(), str::to_string);
            return Err(format!("the server reported an error: {message}"));
        }
        if let Some(usage) = map.get("usage").filter(|u| !u.is_null()) {
            let number = |key| {
                usage
                    .get(key)
                    .and_then(Value::as_u64)
                    .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            };
            if let (Some(input), Some(output)) =
                (number("prompt_tokens"), number("completion_tokens"))
            {
                self.usage = Some((input, output));
            }
        }
        let choice = map
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first());
        if let Some(choice) = choice {
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(reason.to_string());
            }
            if let Some(stop) = choice.get("stop_reason").and_then(Value::as_str) {
                self.stopped_at = Some(stop.to_string());
            }
        }
        Ok(choice)
    }

    /// A delta (or a whole message: `whole` is set, and tool calls carry their position as
    /// their index when they have none).
    fn push_delta(&mut self, delta: &Value, whole: Option<()>, events: &mut Vec<Event>) {
        for key in ["reasoning_content", "reasoning"] {
            if let Some(text) = delta
                .get(key)
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                self.push_text(text, true, events);
                break;
            }
        }
        if let Some(text) = delta
            .get("content")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            self.push_text(text, false, events);
        }
        let calls = delta.get("tool_calls").and_then(Value::as_array);
        for (position, call) in calls.into_iter().flatten().enumerate() {
            let server_index = call
                .get("index")
                .and_then(Value::as_u64)
                .or(whole.map(|()| position as u64))
                .unwrap_or(0);
            let function = call.get("function");
            let name = function.and_then(|f| f.get("name")).and_then(Value::as_str);
            let arguments = function.and_then(|f| f.get("arguments"));
            // Some servers send the arguments as a JSON object rather than its text.
            let fragment = match arguments {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            let continues = self.open
                && matches!(self.blocks.last(), Some(Building::Tool { server_index: i, .. }) if *i == server_index);
            if !continues {
                self.close(events);
                let id = call
                    .get("id")
                    .and_then(Value::as_str)
                    .map(tool_use_id)
                    .unwrap_or_else(new_tool_use_id);
                let name = name.unwrap_or_default().to_string();
                events.push(Event::ToolStart {
                    index: self.blocks.len(),
                    id: id.clone(),
                    name: name.clone(),
                });
                self.blocks.push(Building::Tool {
                    server_index,
                    id,
                    name,
                    input: String::new(),
                });
                self.open = true;
            } else if let (Some(Building::Tool { name: kept, .. }), Some(name)) =
                (self.blocks.last_mut(), name)
                && kept.is_empty()
            {
                kept.push_str(name);
            }
            if !fragment.is_empty() {
                let index = self.blocks.len() - 1;
                if let Some(Building::Tool { input, .. }) = self.blocks.last_mut() {
                    input.push_str(&fragment);
                }
                events.push(Event::Delta {
                    index,
                    delta: json!({ "toolUse": { "input": fragment } }),
                });
            }
        }
    }

    fn push_text(&mut self, text: &str, reasoning: bool, events: &mut Vec<Event>) {
        let continues = self.open
            && match self.blocks.last() {
                Some(Building::Reasoning(_)) => reasoning,
                Some(Building::Text(_)) => !reasoning,
                _ => false,
            };
        if !continues {
            self.close(events);
            self.blocks.push(if reasoning {
                Building::Reasoning(String::new())
            } else {
                Building::Text(String::new())
            });
            self.open = true;
        }
        let index = self.blocks.len() - 1;
        if let Some(Building::Text(kept) | Building::Reasoning(kept)) = self.blocks.last_mut() {
            kept.push_str(text);
        }
        let delta = if reasoning {
            json!({ "reasoningContent": { "text": text } })
        } else {
            json!({ "text": text })
        };
        events.push(Event::Delta { index, delta });
    }

    fn close(&mut self, events: &mut Vec<Event>) {
        if !std::mem::take(&mut self.open) {
            return;
        }
        let index = self.blocks.len() - 1;
        let reasoning = match self.blocks.last() {
            Some(Building::Reasoning(text)) => Some(text.clone()),
            _ => None,
        };
        events.push(Event::Stop { index, reasoning });
    }
}

/// A tool call's input: its JSON text parsed, `{}` when empty; `None` unless an object.
fn parse_input(text: &str) -> Option<Value> {
    if text.trim().is_empty() {
        return Some(json!({}));
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(Value::is_object)
}

/// The server's call id as a Bedrock `toolUseId` (`[a-zA-Z0-9_-]`, at most 64 characters).
fn tool_use_id(server_id: &str) -> String {
    let id: String = server_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if id.is_empty() { new_tool_use_id() } else { id }
}

fn new_tool_use_id() -> String {
    let tail: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(22)
        .map(char::from)
        .collect();
    format!("tooluse_{tail}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;

    fn chunk(delta: Value, finish: Option<&str>) -> Value {
        json!({ "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
    }

    #[test]
    fn reasoning_text_and_a_streamed_tool_call_become_three_blocks_in_order() {
        let mut t = Translator::new();
        let mut events = Vec::new();
        for c in [
            chunk(json!({"role": "assistant"}), None),
            chunk(json!({"reasoning_content": "Think"}), None),
            chunk(json!({"content": "Let me check."}), None),
            chunk(
                json!({"tool_calls": [{"index": 0, "id": "call 1", "function": {"name": "get_weather", "arguments": "{\"city\""}}]}),
                None,
            ),
            chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": ": \"Paris\"}"}}]}),
                None,
            ),
            chunk(json!({}), Some("tool_calls")),
            json!({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 9}}),
        ] {
            events.extend(t.push_chunk(&c).unwrap());
        }
        let (last, finished) = t.finish();
        events.extend(last);
        assert_eq!(
            events,
            vec![
                Event::Delta {
                    index: 0,
                    delta: json!({"reasoningContent": {"text": "Think"}})
                },
                Event::Stop {
                    index: 0,
                    reasoning: Some("Think".into())
                },
                Event::Delta {
                    index: 1,
                    delta: json!({"text": "Let me check."})
                },
                Event::Stop {
                    index: 1,
                    reasoning: None
                },
                Event::ToolStart {
                    index: 2,
                    id: "call_1".into(),
                    name: "get_weather".into()
                },
                Event::Delta {
                    index: 2,
                    delta: json!({"toolUse": {"input": "{\"city\""}})
                },
                Event::Delta {
                    index: 2,
                    delta: json!({"toolUse": {"input": ": \"Paris\"}"}})
                },
                Event::Stop {
                    index: 2,
                    reasoning: None
                },
            ]
        );
        assert_eq!(
            finished,
            Finished {
                blocks: vec![
                    AnswerBlock::Reasoning("Think".into()),
                    AnswerBlock::Text("Let me check.".into()),
                    AnswerBlock::ToolUse {
                        id: "call_1".into(),
                        name: "get_weather".into(),
                        input: json!({"city": "Paris"})
                    },
                ],
                stop_reason: StopReason::ToolUse,
                input_tokens: Some(12),
                output_tokens: 9,
            }
        );
    }

    #[test]
    fn tool_input_that_is_not_a_json_object_ends_with_malformed_tool_use() {
        let mut t = Translator::new();
        t.push_response(
            &json!({"choices": [{"message": {"content": null, "tool_calls": [
            {"id": "c", "function": {"name": "f", "arguments": "{\"city\": Par"}}
        ]}, "finish_reason": "tool_calls"}]}),
        )
        .unwrap();
        let (_, finished) = t.finish();
        assert_eq!(finished.stop_reason, StopReason::MalformedToolUse);
        assert!(finished.blocks.is_empty());
    }

    #[test]
    fn stop_reasons_and_usage_fall_back_as_servers_differ() {
        let finish = |reason: Option<&str>, delta: Value| {
            let mut t = Translator::new();
            t.push_chunk(&chunk(delta, reason)).unwrap();
            t.finish().1
        };
        assert_eq!(
            finish(Some("length"), json!({"content": "a"})).stop_reason,
            StopReason::MaxTokens
        );
        assert_eq!(
            finish(Some("stop"), json!({"content": "a"})).stop_reason,
            StopReason::EndTurn
        );
        let ollama = finish(
            Some("stop"),
            json!({"tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]}),
        );
        assert_eq!(ollama.stop_reason, StopReason::ToolUse);
        assert!(
            matches!(&ollama.blocks[0], AnswerBlock::ToolUse { id, input, .. } if id.starts_with("tooluse_") && *input == json!({"a": 1}))
        );
        // No usage chunk: one token per chunk that carried output.
        assert_eq!((ollama.input_tokens, ollama.output_tokens), (None, 1));
        let mut vllm = Translator::new();
        vllm.push_chunk(&json!({"choices": [{"delta": {"content": "x"}, "finish_reason": "stop", "stop_reason": "END"}]})).unwrap();
        assert_eq!(vllm.finish().1.stop_reason, StopReason::StopSequence);
    }

    #[test]
    fn an_error_chunk_or_a_chunk_that_is_not_an_object_is_refused_with_its_text() {
        let mut t = Translator::new();
        assert_eq!(
            t.push_chunk(&json!({"error": {"message": "model crashed"}}))
                .unwrap_err(),
            "the server reported an error: model crashed"
        );
        assert!(
            t.push_chunk(&json!([1, 2]))
                .unwrap_err()
                .starts_with("a chunk is not a JSON object: [1,2]")
        );
        assert!(!t.has_finished());
    }
}
