//! Messages and content blocks as plain data, the same shape as the Converse JSON.

use bedrock_catalog::CacheTtl;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// The person (or the application answering tool calls).
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// `user` or `assistant`, as Converse spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// A tool call the model asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolUse {
    /// `toolUseId`, echoed in the matching result.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments as JSON.
    pub input: Value,
}

/// Whether a tool call worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolStatus {
    /// The tool answered.
    Success,
    /// The tool failed; the content says why.
    Error,
}

/// The answer to one tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    /// The `toolUseId` answered.
    pub tool_use_id: String,
    /// The result: JSON objects are sent as `json`, strings as `text`.
    pub content: Value,
    /// Success or error; sent only to models that accept `status`.
    pub status: Option<ToolStatus>,
}

/// One content block of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// Text.
    Text(String),
    /// Reasoning, with the signature some models require when it is sent back.
    Reasoning {
        /// The reasoning text.
        text: String,
        /// Signature to return with it.
        signature: Option<String>,
    },
    /// A tool call.
    ToolUse(ToolUse),
    /// A tool result.
    ToolResult(ToolResult),
    /// A prompt-cache checkpoint: Bedrock caches everything before it (tools, system prompt and
    /// the messages up to here) for the TTL, restarted on every hit.
    CachePoint(CacheTtl),
    /// Text a guardrail checks (`guardContent`): with such blocks, only they are checked.
    GuardContent(String),
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Author.
    pub role: Role,
    /// Content blocks, in order.
    pub content: Vec<Block>,
}

impl Message {
    /// A user message with one text block.
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: vec![Block::Text(text.into())],
        }
    }

    /// An assistant message with one text block.
    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            content: vec![Block::Text(text.into())],
        }
    }

    /// The text blocks joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                Block::Text(t) | Block::GuardContent(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }

    /// The tool calls in this message.
    pub fn tool_uses(&self) -> Vec<&ToolUse> {
        tool_uses_in(&self.content)
    }

    /// The message as Converse JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "role": self.role.as_str(),
            "content": self.content.iter().map(Block::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Block {
    /// The block as Converse JSON.
    pub fn to_json(&self) -> Value {
        match self {
            Block::Text(text) => json!({ "text": text }),
            Block::Reasoning { text, signature } => {
                let mut reasoning = json!({ "text": text });
                if let (Some(sig), Some(obj)) = (signature, reasoning.as_object_mut()) {
                    obj.insert("signature".into(), json!(sig));
                }
                json!({ "reasoningContent": { "reasoningText": reasoning } })
            }
            Block::ToolUse(tool) => json!({
                "toolUse": { "toolUseId": tool.id, "name": tool.name, "input": tool.input }
            }),
            Block::ToolResult(result) => {
                let content = match &result.content {
                    Value::String(text) => json!([{ "text": text }]),
                    other => json!([{ "json": other }]),
                };
                let mut body = json!({ "toolUseId": result.tool_use_id, "content": content });
                if let (Some(status), Some(obj)) = (result.status, body.as_object_mut()) {
                    let status = match status {
                        ToolStatus::Success => "success",
                        ToolStatus::Error => "error",
                    };
                    obj.insert("status".into(), json!(status));
                }
                json!({ "toolResult": body })
            }
            Block::CachePoint(ttl) => cache_point_json(*ttl),
            Block::GuardContent(text) => json!({ "guardContent": { "text": { "text": text } } }),
        }
    }
}

/// A `cachePoint` block as Converse spells it (in messages, the system prompt and the tools).
pub(crate) fn cache_point_json(ttl: CacheTtl) -> Value {
    json!({ "cachePoint": { "type": "default", "ttl": ttl.as_str() } })
}

/// The tool calls among some content blocks, in order (shared by messages and replies).
pub(crate) fn tool_uses_in(blocks: &[Block]) -> Vec<&ToolUse> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::ToolUse(t) => Some(t),
            _ => None,
        })
        .collect()
}
