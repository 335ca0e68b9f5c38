//! A [`Turn`] as an OpenAI chat-completions request body.
//!
//! Bedrock's content blocks become OpenAI's messages: tool calls become an assistant message's
//! `tool_calls`, each tool result a `tool` message (a result with `status: error` is sent as
//! `Error: ...`, as OpenAI has no status), reasoning from earlier turns is left out (the model
//! does not read its own reasoning back), and so are images and documents. `toolChoice` `any` is
//! OpenAI's `required`, a named tool its `{"type": "function", ...}`.

use serde_json::{Map, Value, json};

use crate::structured;
use crate::turn::{Block, Message, Role, ToolChoice, Turn};

/// The body for `turn`, answered by `local_model`, streamed or whole.
pub(crate) fn chat_request(
    turn: &Turn,
    local_model: &str,
    stream: bool,
    structured: &structured::Request,
) -> Value {
    let mut messages = Vec::with_capacity(turn.messages.len() + 1);
    if let Some(system) = turn.system.as_deref().filter(|s| !s.is_empty()) {
        messages.push(json!({ "role": "system", "content": system }));
    }
    for message in &turn.messages {
        push_message(&mut messages, message);
    }
    let mut body = Map::new();
    body.insert("model".into(), local_model.into());
    body.insert("messages".into(), messages.into());
    if let Some(max) = turn.max_tokens {
        body.insert("max_tokens".into(), max.into());
    }
    if let Some(t) = turn.sampling.temperature {
        body.insert("temperature".into(), t.into());
    }
    if let Some(p) = turn.sampling.top_p {
        body.insert("top_p".into(), p.into());
    }
    let stops: Vec<&String> = turn
        .stop_sequences
        .iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !stops.is_empty() {
        body.insert("stop".into(), json!(stops));
    }
    if !turn.tools.is_empty() {
        let tools: Vec<Value> = turn
            .tools
            .iter()
            .map(|tool| {
                let mut function = json!({
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.input_schema,
                });
                if structured.is_strict(&tool.name) {
                    function["strict"] = true.into();
                }
                json!({ "type": "function", "function": function })
            })
            .collect();
        body.insert("tools".into(), tools.into());
        match &turn.sampling.tool_choice {
            ToolChoice::Auto => {}
            ToolChoice::Any => {
                body.insert("tool_choice".into(), "required".into());
            }
            ToolChoice::Tool(name) => {
                body.insert(
                    "tool_choice".into(),
                    json!({ "type": "function", "function": { "name": name } }),
                );
            }
        }
    }
    if let Some(schema) = structured.output_schema() {
        body.insert(
            "response_format".into(),
            json!({
                "type": "json_schema",
                "json_schema": { "name": "structured_output", "schema": schema, "strict": true }
            }),
        );
    }
    if stream {
        body.insert("stream".into(), true.into());
        // Servers that count a stream's tokens send them in a last chunk only when asked.
        body.insert("stream_options".into(), json!({ "include_usage": true }));
    }
    Value::Object(body)
}

fn push_message(out: &mut Vec<Value>, message: &Message) {
    match message.role {
        Role::User => {
            // Tool results answer the assistant message just before, so they come first.
            for block in &message.blocks {
                if let Block::ToolResult {
                    id,
                    content,
                    is_error,
                } = block
                {
                    let text = result_text(content);
                    let text = if *is_error {
                        format!("Error: {text}")
                    } else {
                        text
                    };
                    out.push(json!({ "role": "tool", "tool_call_id": id, "content": text }));
                }
            }
            let text = message.text();
            if !text.is_empty() {
                out.push(json!({ "role": "user", "content": text }));
            }
        }
        Role::Assistant => {
            let calls: Vec<Value> = message
                .blocks
                .iter()
                .filter_map(|b| match b {
                    Block::ToolUse { id, name, input } => Some(json!({
                        "id": id,
                        "type": "function",
                        "function": { "name": name, "arguments": input.to_string() },
                    })),
                    _ => None,
                })
                .collect();
            // `content` is a string even beside tool calls: llama-cpp-python refuses null there.
            let mut assistant = json!({ "role": "assistant", "content": message.text() });
            if !calls.is_empty() {
                assistant["tool_calls"] = calls.into();
            }
            out.push(assistant);
        }
    }
}

/// A tool result's content blocks as one text: text as it is, JSON serialized, others named.
fn result_text(content: &[Value]) -> String {
    content
        .iter()
        .map(|block| {
            if let Some(text) = block.get("text").and_then(Value::as_str) {
                text.to_string()
            } else if let Some(value) = block.get("json") {
                value.to_string()
            } else {
                let kind = block
                    .as_object()
                    .and_then(|m| m.keys().next().cloned())
                    .unwrap_or_else(|| "content".into());
                format!("[{kind} not passed to the local model]")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;
    use crate::turn::{Operation, Sampling, ToolSpec};

    fn turn(messages: Vec<Message>) -> Turn {
        Turn {
            model_id: "us.anthropic.claude-haiku-4-5-20251001-v1:0".into(),
            base_model_id: "anthropic.claude-haiku-4-5-20251001-v1:0".into(),
            operation: Operation::Converse,
            system: Some("Be brief.".into()),
            messages,
            tools: vec![ToolSpec {
                name: "get_weather".into(),
                description: "Weather for a city".into(),
                input_schema: json!({"type": "object"}),
            }],
            max_tokens: Some(64),
            stop_sequences: vec!["END".into(), String::new()],
            sampling: Sampling {
                temperature: Some(0.2),
                top_p: Some(0.9),
                tool_choice: ToolChoice::Tool("get_weather".into()),
            },
        }
    }

    #[test]
    fn a_tool_round_becomes_system_user_assistant_calls_and_tool_messages() {
        let turn = turn(vec![
            Message {
                role: Role::User,
                blocks: vec![Block::Text("Weather in Paris?".into())],
            },
            Message {
                role: Role::Assistant,
                blocks: vec![
                    Block::Reasoning("hidden".into()),
                    Block::ToolUse {
                        id: "tooluse_1".into(),
                        name: "get_weather".into(),
                        input: json!({"city": "Paris"}),
                    },
                ],
            },
            Message {
                role: Role::User,
                blocks: vec![
                    Block::ToolResult {
                        id: "tooluse_1".into(),
                        content: vec![json!({"json": {"temp": 18}}), json!({"text": "sunny"})],
                        is_error: false,
                    },
                    Block::ToolResult {
                        id: "tooluse_2".into(),
                        content: vec![json!({"text": "no such city"})],
                        is_error: true,
                    },
                    Block::Text("And tomorrow?".into()),
                ],
            },
        ]);
        let body = chat_request(&turn, "llama3.2", true, &structured::Request::none());
        assert_eq!(
            body,
            json!({
                "model": "llama3.2",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Weather in Paris?"},
                    {"role": "assistant", "content": "", "tool_calls": [{
                        "id": "tooluse_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}
                    }]},
                    {"role": "tool", "tool_call_id": "tooluse_1", "content": "{\"temp\":18}\nsunny"},
                    {"role": "tool", "tool_call_id": "tooluse_2", "content": "Error: no such city"},
                    {"role": "user", "content": "And tomorrow?"},
                ],
                "max_tokens": 64,
                "temperature": 0.2,
                "top_p": 0.9,
                "stop": ["END"],
                "tools": [{"type": "function", "function": {
                    "name": "get_weather", "description": "Weather for a city",
                    "parameters": {"type": "object"}
                }}],
                "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
                "stream": true,
                "stream_options": {"include_usage": true},
            })
        );
    }

    #[test]
    fn any_tool_is_required_auto_is_left_out_and_no_tools_means_no_choice() {
        let mut any = turn(vec![Message {
            role: Role::User,
            blocks: vec![Block::Text("x".into())],
        }]);
        any.sampling.tool_choice = ToolChoice::Any;
        let body = chat_request(&any, "m", false, &structured::Request::none());
        assert_eq!(body["tool_choice"], "required");
        assert!(body.get("stream").is_none());
        any.sampling.tool_choice = ToolChoice::Auto;
        assert!(
            chat_request(&any, "m", false, &structured::Request::none())
                .get("tool_choice")
                .is_none()
        );
        any.tools.clear();
        any.sampling.tool_choice = ToolChoice::Any;
        let bare = chat_request(&any, "m", false, &structured::Request::none());
        assert!(bare.get("tools").is_none() && bare.get("tool_choice").is_none());
    }
}
