//! Assembling a streamed answer from its events: a pure state machine, tested without a server.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::StreamEvent;
use crate::guardrail::GuardrailReport;
use crate::message::{Block, ToolUse};
use crate::reply::{Reply, Usage};
use crate::wire::text_and_reasoning;

/// Shortest generation window a tokens-per-second figure is computed over.
const MIN_GENERATION_WINDOW: Duration = Duration::from_millis(20);

/// A tool call being assembled.
#[derive(Debug, Default)]
struct PartialTool {
    id: String,
    name: String,
    input: String,
}

/// Everything received so far. Each kind of content has its own blocks, by index: a block index
/// that receives deltas of several kinds keeps one block per kind, so nothing received is
/// overwritten or dropped, and each kind keeps its own order.
#[derive(Debug, Default)]
pub(crate) struct Assembly {
    reasoning: BTreeMap<i32, (String, Option<String>)>,
    text: BTreeMap<i32, String>,
    tools: BTreeMap<i32, PartialTool>,
    stop_reason: String,
    usage: Usage,
    guardrail: Option<GuardrailReport>,
    first_token: Option<Duration>,
}

impl Assembly {
    /// Takes one event, received `at` this long after the call started.
    pub(crate) fn apply(&mut self, event: StreamEvent, at: Duration) {
        match event {
            StreamEvent::ToolStart { index, id, name } => {
                let tool = self.tools.entry(index).or_default();
                tool.id = id;
                tool.name = name;
            }
            StreamEvent::Text { index, text } => {
                self.first_token.get_or_insert(at);
                self.text.entry(index).or_default().push_str(&text);
            }
            StreamEvent::Reasoning { index, text } => {
                self.first_token.get_or_insert(at);
                self.reasoning.entry(index).or_default().0.push_str(&text);
            }
            StreamEvent::Signature { index, signature } => {
                self.reasoning.entry(index).or_default().1 = Some(signature);
            }
            StreamEvent::ToolInput { index, input } => {
                self.tools.entry(index).or_default().input.push_str(&input);
            }
            StreamEvent::Stop { reason } => self.stop_reason = reason,
            StreamEvent::Metadata { usage, guardrail } => {
                if let Some(usage) = usage {
                    self.usage = usage;
                }
                if guardrail.is_some() {
                    self.guardrail = guardrail;
                }
            }
        }
    }

    /// The blocks in order: by index, and within one index reasoning, text, then a tool call.
    fn blocks(
        self,
    ) -> (
        Vec<Block>,
        String,
        Usage,
        Option<Duration>,
        Option<GuardrailReport>,
    ) {
        let mut ordered: BTreeMap<(i32, u8), Block> = BTreeMap::new();
        for (index, (text, signature)) in self.reasoning {
            ordered.insert((index, 0), Block::Reasoning { text, signature });
        }
        for (index, text) in self.text {
            ordered.insert((index, 1), Block::Text(text));
        }
        for (index, tool) in self.tools {
            ordered.insert((index, 2), Block::ToolUse(tool_use(tool)));
        }
        let blocks = ordered.into_values().collect();
        (
            blocks,
            self.stop_reason,
            self.usage,
            self.first_token,
            self.guardrail,
        )
    }

    /// The reply as far as it arrived, `latency` after the call started.
    pub(crate) fn into_reply(
        self,
        model_id: &str,
        request_id: Option<String>,
        latency: Duration,
    ) -> Reply {
        let (content, stop_reason, usage, first_token, guardrail) = self.blocks();
        let (text, reasoning) = text_and_reasoning(&content);
        // Speed over the generation window; when everything arrived in one burst that window is
        // too short to mean anything, so the whole call's duration is used instead.
        let tokens_per_second = first_token.and_then(|first| {
            let generating = latency.saturating_sub(first);
            let window = if generating >= MIN_GENERATION_WINDOW {
                generating
            } else {
                latency
            };
            (usage.output > 0 && !window.is_zero())
                .then(|| f64::from(usage.output) / window.as_secs_f64())
        });
        Reply {
            text,
            reasoning,
            guardrail,
            stop_reason,
            usage,
            latency,
            time_to_first_token: first_token,
            tokens_per_second,
            model_id: model_id.to_string(),
            request_id,
            content,
            // Adjustments come from the call, `local` from the answer's opening.
            ..Reply::default()
        }
    }
}

/// A tool call cut short keeps its raw text, so nothing received is lost.
fn tool_use(tool: PartialTool) -> ToolUse {
    let input = if tool.input.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(&tool.input).unwrap_or(Value::String(tool.input))
    };
    ToolUse {
        id: tool.id,
        name: tool.name,
        input,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use serde_json::json;

    const AT: Duration = Duration::from_millis(5);

    fn assemble(events: Vec<StreamEvent>) -> Reply {
        let mut assembly = Assembly::default();
        for event in events {
            assembly.apply(event, AT);
        }
        assembly.into_reply("m", Some("r".into()), Duration::from_millis(100))
    }

    fn text(index: i32, text: &str) -> StreamEvent {
        StreamEvent::Text {
            index,
            text: text.into(),
        }
    }

    #[test]
    fn text_deltas_join_in_order_with_stop_reason_usage_and_ids() {
        let reply = assemble(vec![
            text(0, "Hel"),
            text(0, "lo"),
            StreamEvent::Stop {
                reason: "end_turn".into(),
            },
            StreamEvent::Metadata {
                usage: Some(Usage {
                    input: 3,
                    output: 2,
                    total: 5,
                    ..Usage::default()
                }),
                guardrail: None,
            },
        ]);
        assert_eq!(reply.text, "Hello");
        assert_eq!(reply.content, vec![Block::Text("Hello".into())]);
        assert_eq!(reply.stop_reason, "end_turn");
        assert_eq!(reply.usage.total, 5);
        assert_eq!(reply.model_id, "m");
        assert_eq!(reply.request_id.as_deref(), Some("r"));
        assert_eq!(reply.time_to_first_token, Some(AT));
    }

    #[test]
    fn a_text_delta_for_a_tool_block_keeps_both() {
        let reply = assemble(vec![
            StreamEvent::ToolStart {
                index: 0,
                id: "t1".into(),
                name: "get_weather".into(),
            },
            StreamEvent::ToolInput {
                index: 0,
                input: "{\"city\":\"Miami\"}".into(),
            },
            text(0, "stray text"),
        ]);
        assert_eq!(
            reply.content,
            vec![
                Block::Text("stray text".into()),
                Block::ToolUse(ToolUse {
                    id: "t1".into(),
                    name: "get_weather".into(),
                    input: json!({"city": "Miami"}),
                }),
            ]
        );
    }

    #[test]
    fn a_reasoning_delta_for_a_text_block_is_kept_as_reasoning() {
        let reply = assemble(vec![
            text(0, "answer"),
            StreamEvent::Reasoning {
                index: 0,
                text: "thinking".into(),
            },
            StreamEvent::Signature {
                index: 0,
                signature: "sig".into(),
            },
        ]);
        assert_eq!(reply.text, "answer");
        assert_eq!(reply.reasoning.as_deref(), Some("thinking"));
        assert_eq!(
            reply.content,
            vec![
                Block::Reasoning {
                    text: "thinking".into(),
                    signature: Some("sig".into()),
                },
                Block::Text("answer".into()),
            ]
        );
    }

    #[test]
    fn blocks_come_out_in_index_order_whatever_the_arrival_order() {
        let reply = assemble(vec![text(1, "second"), text(0, "first")]);
        assert_eq!(
            reply.content,
            vec![Block::Text("first".into()), Block::Text("second".into())]
        );
        assert_eq!(reply.text, "firstsecond");
    }

    #[test]
    fn a_cut_tool_call_keeps_its_raw_input() {
        let reply = assemble(vec![
            StreamEvent::ToolStart {
                index: 0,
                id: "t".into(),
                name: "n".into(),
            },
            StreamEvent::ToolInput {
                index: 0,
                input: "{\"loc".into(),
            },
        ]);
        assert_eq!(reply.tool_uses()[0].input, Value::String("{\"loc".into()));
    }

    #[test]
    fn tool_input_without_a_start_is_kept() {
        let reply = assemble(vec![StreamEvent::ToolInput {
            index: 2,
            input: "{}".into(),
        }]);
        assert_eq!(reply.tool_uses().len(), 1);
        assert_eq!(reply.tool_uses()[0].input, json!({}));
    }

    #[test]
    fn speed_is_output_tokens_over_the_generation_window() {
        let mut assembly = Assembly::default();
        assembly.apply(text(0, "a"), Duration::from_millis(100));
        assembly.apply(
            StreamEvent::Metadata {
                usage: Some(Usage {
                    input: 1,
                    output: 50,
                    total: 51,
                    ..Usage::default()
                }),
                guardrail: None,
            },
            Duration::from_millis(600),
        );
        let reply = assembly.into_reply("m", None, Duration::from_millis(600));
        let speed = reply.tokens_per_second.unwrap_or_default();
        assert!((speed - 100.0).abs() < 1e-9, "{speed}");
    }
}
