//! Converse / ConverseStream / CountTokens(converse) requests → [`Turn`], with Bedrock's own
//! validation messages.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::json::{self, constraint, join};
use crate::turn::{Block, Message, Operation, Role, Sampling, ToolChoice, ToolSpec, Turn};
use bedrock_catalog::Model;
use bedrock_catalog::prompt_cache::CacheTtl;

/// Bedrock's message for a conversation whose first message is not the user's.
pub const FIRST_MESSAGE_USER: &str = "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
/// Bedrock's message for two consecutive messages with the same role.
pub const ROLES_ALTERNATE: &str = "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
/// Bedrock's message for tool blocks sent without `toolConfig`.
pub const TOOL_CONFIG_REQUIRED: &str =
    "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
/// Bedrock's message for tools sent to a model without tool use.
pub const NO_TOOL_USE: &str = "This model doesn't support tool use.";
/// The message for tools in a stream to a model that only uses tools without streaming.
pub const NO_STREAMING_TOOL_USE: &str = "This model doesn't support tool use in streaming mode.";
/// The message for a system prompt sent to a model without system prompts.
pub const NO_SYSTEM_PROMPT: &str = "This model doesn't support system messages.";
/// Anthropic's message for temperature and top_p together on models that forbid it.
pub const TEMPERATURE_TOP_P_EXCLUSIVE: &str =
    "`temperature` and `top_p` cannot both be specified for this model. Please use only one.";

/// Maximum `stopSequences` entries accepted.
const MAX_STOP_SEQUENCES: usize = 2500;

/// `maxTokens` above the model's limit.
pub fn max_tokens_message(limit: u32) -> String {
    format!(
        "The maximum tokens you requested exceeds the model limit of {limit}. Try again with a maximum tokens value that is lower than {limit}."
    )
}

/// Parse and validate a Converse (or ConverseStream) body for `model`.
pub fn converse(
    body: &Value,
    model_id: &str,
    model: &Model,
    operation: Operation,
) -> Result<Turn, ApiError> {
    let root = json::object(body, "")?;
    let messages = parse_messages(root)?;
    let system = parse_system(root)?;
    if system.is_some() && !model.system_prompt {
        return Err(ApiError::validation(NO_SYSTEM_PROMPT));
    }
    let inference = parse_inference_config(root, model)?;
    let (tools, tool_choice) = parse_tool_config(root, model, operation)?;
    let uses_tool_blocks = messages
        .iter()
        .flat_map(|m| &m.blocks)
        .any(|b| matches!(b, Block::ToolUse { .. } | Block::ToolResult { .. }));
    if uses_tool_blocks && json::optional(root, "toolConfig").is_none() {
        return Err(ApiError::validation(TOOL_CONFIG_REQUIRED));
    }
    check_tool_results(&messages)?;
    if let Some(fields) = json::optional(root, "additionalModelRequestFields") {
        json::object(fields, "additionalModelRequestFields")?;
    }
    Ok(Turn {
        model_id: model_id.to_string(),
        base_model_id: model.id.clone(),
        operation,
        system,
        messages,
        tools,
        max_tokens: inference.max_tokens,
        stop_sequences: inference.stop_sequences,
        sampling: Sampling {
            temperature: inference.temperature,
            top_p: inference.top_p,
            tool_choice,
        },
    })
}

/// Check the role order: the user first, then strictly alternating.
pub fn check_roles(messages: &[Message]) -> Result<(), ApiError> {
    match messages.first() {
        Some(first) if first.role == Role::User => {}
        _ => return Err(ApiError::validation(FIRST_MESSAGE_USER)),
    }
    if messages.windows(2).any(|w| w[0].role == w[1].role) {
        return Err(ApiError::validation(ROLES_ALTERNATE));
    }
    Ok(())
}

pub(crate) fn parse_messages(root: &Map<String, Value>) -> Result<Vec<Message>, ApiError> {
    let list = json::array(json::required(root, "messages", "")?, "messages")?;
    let mut messages = Vec::with_capacity(list.len());
    for (i, raw) in list.iter().enumerate() {
        let path = join("messages", i);
        let map = json::object(raw, &path)?;
        let role = match json::string(json::required(map, "role", &path)?, &join(&path, "role"))? {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            other => {
                return Err(constraint(
                    &format!("'{other}'"),
                    &join(&path, "role"),
                    "Member must satisfy enum value set: [user, assistant]",
                ));
            }
        };
        let content_path = join(&path, "content");
        let content = json::array(json::required(map, "content", &path)?, &content_path)?;
        if content.is_empty() {
            return Err(ApiError::validation(format!(
                "The content field in the Message object at {path} is empty. Add a ContentBlock object to the content field and try again."
            )));
        }
        let blocks = content
            .iter()
            .enumerate()
            .map(|(j, b)| parse_block(b, &join(&content_path, j)))
            .collect::<Result<Vec<_>, _>>()?;
        messages.push(Message { role, blocks });
    }
    check_roles(&messages)?;
    Ok(messages)
}

pub(crate) fn parse_block(raw: &Value, path: &str) -> Result<Block, ApiError> {
    let map = json::object(raw, path)?;
    let set: Vec<(&String, &Value)> = map.iter().filter(|(_, v)| !v.is_null()).collect();
    let [(key, value)] = set.as_slice() else {
        return Err(constraint(
            "of the wrong shape",
            path,
            "Member must be a ContentBlock with exactly one member set",
        ));
    };
    let member = join(path, key);
    match key.as_str() {
        "text" => {
            let text = json::string(value, &member)?;
            if text.trim().is_empty() {
                return Err(ApiError::validation(format!(
                    "The text field in the ContentBlock object at {path} is blank. Add text to the text field, and try again."
                )));
            }
            Ok(Block::Text(text.to_string()))
        }
        "toolUse" => {
            let tool = json::object(value, &member)?;
            let id = tool_use_id(tool, &member)?;
            let name = json::string(
                json::required(tool, "name", &member)?,
                &join(&member, "name"),
            )?;
            let input = json::required(tool, "input", &member)?.clone();
            Ok(Block::ToolUse {
                id,
                name: name.to_string(),
                input,
            })
        }
        "toolResult" => {
            let result = json::object(value, &member)?;
            let id = tool_use_id(result, &member)?;
            let content_path = join(&member, "content");
            let content = json::array(json::required(result, "content", &member)?, &content_path)?;
            for (k, c) in content.iter().enumerate() {
                json::object(c, &join(&content_path, k))?;
            }
            let is_error = match json::optional_string(result, "status", &member)? {
                None | Some("success") => false,
                Some("error") => true,
                Some(other) => {
                    return Err(constraint(
                        &format!("'{other}'"),
                        &join(&member, "status"),
                        "Member must satisfy enum value set: [success, error]",
                    ));
                }
            };
            if is_error && content.is_empty() {
                return Err(ApiError::validation(format!(
                    "The content field at {member} cannot be empty when status value is error."
                )));
            }
            Ok(Block::ToolResult {
                id,
                content: content.clone(),
                is_error,
            })
        }
        "reasoningContent" => {
            let reasoning = json::object(value, &member)?;
            match json::optional(reasoning, "reasoningText") {
                Some(text) => {
                    let text_path = join(&member, "reasoningText");
                    let text = json::object(text, &text_path)?;
                    let body = json::string(
                        json::required(text, "text", &text_path)?,
                        &join(&text_path, "text"),
                    )?;
                    Ok(Block::Reasoning(body.to_string()))
                }
                None => Ok(Block::Other),
            }
        }
        "cachePoint" => {
            parse_cache_point(value, &member)?;
            Ok(Block::Other)
        }
        // The model reads guarded text like any other; the guardrail tells it apart by reading the
        // body itself (`guardrail::Guard::check_input`).
        "guardContent" => match guard_content_text(value, &member)? {
            Some(text) if !text.trim().is_empty() => Ok(Block::Text(text)),
            _ => Ok(Block::Other),
        },
        "image" | "document" | "video" | "audio" | "citationsContent" | "searchResult" => {
            json::object(value, &member)?;
            Ok(Block::Other)
        }
        other => Err(constraint(
            &format!("'{other}'"),
            path,
            "Member must be one of: text, image, document, video, audio, toolUse, toolResult, guardContent, cachePoint, reasoningContent, citationsContent, searchResult",
        )),
    }
}

/// The text of a `guardContent` block (`{"text": {"text", "qualifiers"}}`), `None` for an image.
fn guard_content_text(raw: &Value, path: &str) -> Result<Option<String>, ApiError> {
    let guard = json::object(raw, path)?;
    match json::optional(guard, "text") {
        Some(text) => crate::guardrail::guard_text_block(text, &join(path, "text")).map(Some),
        None => {
            if let Some(image) = json::optional(guard, "image") {
                json::object(image, &join(path, "image"))?;
            }
            Ok(None)
        }
    }
}

/// A `cachePoint` object, `{"type": "default", "ttl": "5m" | "1h"}`: its TTL, `None` when the
/// request names none (Bedrock then uses 5 minutes).
pub(crate) fn parse_cache_point(raw: &Value, path: &str) -> Result<Option<CacheTtl>, ApiError> {
    let point = json::object(raw, path)?;
    let kind_path = join(path, "type");
    match json::string(json::required(point, "type", path)?, &kind_path)? {
        "default" => {}
        other => {
            return Err(constraint(
                &format!("'{other}'"),
                &kind_path,
                "Member must satisfy enum value set: [default]",
            ));
        }
    }
    let Some(ttl) = json::optional_string(point, "ttl", path)? else {
        return Ok(None);
    };
    ttl.parse().map(Some).map_err(|_| {
        constraint(
            &format!("'{ttl}'"),
            &join(path, "ttl"),
            "Member must satisfy enum value set: [5m, 1h]",
        )
    })
}

fn tool_use_id(map: &Map<String, Value>, parent: &str) -> Result<String, ApiError> {
    let path = join(parent, "toolUseId");
    let id = json::string(json::required(map, "toolUseId", parent)?, &path)?;
    let valid = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
    if !valid {
        return Err(constraint(
            &format!("'{id}'"),
            &path,
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_.:-]+$",
        ));
    }
    Ok(id.to_string())
}

pub(crate) fn parse_system(root: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let Some(raw) = json::optional(root, "system") else {
        return Ok(None);
    };
    let mut texts = Vec::new();
    for (i, entry) in json::array(raw, "system")?.iter().enumerate() {
        let path = join("system", i);
        let map = json::object(entry, &path)?;
        if let Some(point) = json::optional(map, "cachePoint") {
            parse_cache_point(point, &join(&path, "cachePoint"))?;
        }
        if let Some(guard) = json::optional(map, "guardContent")
            && let Some(text) = guard_content_text(guard, &join(&path, "guardContent"))?
            && !text.trim().is_empty()
        {
            texts.push(text);
        }
        if let Some(text) = json::optional_string(map, "text", &path)? {
            if text.trim().is_empty() {
                return Err(ApiError::validation(format!(
                    "The text field in the SystemContentBlock object at {path} is blank. Add text to the text field, and try again."
                )));
            }
            texts.push(text.to_string());
        }
    }
    Ok((!texts.is_empty()).then(|| texts.join("\n")))
}

/// What `inferenceConfig` asks for.
#[derive(Default)]
struct Inference {
    max_tokens: Option<u32>,
    stop_sequences: Vec<String>,
    temperature: Option<f64>,
    top_p: Option<f64>,
}

/// `inferenceConfig`, checked: `maxTokens` and `stopSequences` shape any answer; `temperature`
/// and `topP` only a model backend's (a scripted answer does not sample).
fn parse_inference_config(root: &Map<String, Value>, model: &Model) -> Result<Inference, ApiError> {
    let Some(raw) = json::optional(root, "inferenceConfig") else {
        return Ok(Inference::default());
    };
    let path = "inferenceConfig";
    let map = json::object(raw, path)?;
    let max_tokens = json::optional_integer_at_least(map, "maxTokens", path, 1)?;
    if max_tokens.is_some_and(|n| n > model.max_output_tokens) {
        return Err(ApiError::validation(max_tokens_message(
            model.max_output_tokens,
        )));
    }
    let temperature = json::optional_number(map, "temperature", path)?;
    if let Some(t) = temperature {
        json::check_range(t, "inferenceConfig.temperature", 0.0, 1.0)?;
    }
    let top_p = json::optional_number(map, "topP", path)?;
    if let Some(p) = top_p {
        json::check_range(p, "inferenceConfig.topP", 0.0, 1.0)?;
    }
    if model.temperature_top_p_exclusive && temperature.is_some() && top_p.is_some() {
        return Err(ApiError::validation(TEMPERATURE_TOP_P_EXCLUSIVE));
    }
    let stop_sequences = json::optional_strings(map, "stopSequences", path)?;
    if stop_sequences.len() > MAX_STOP_SEQUENCES {
        return Err(constraint(
            "of length greater than 2500",
            "inferenceConfig.stopSequences",
            "Member must have length less than or equal to 2500",
        ));
    }
    Ok(Inference {
        max_tokens,
        stop_sequences,
        temperature,
        top_p,
    })
}

pub(crate) fn parse_tool_config(
    root: &Map<String, Value>,
    model: &Model,
    operation: Operation,
) -> Result<(Vec<ToolSpec>, ToolChoice), ApiError> {
    let Some(raw) = json::optional(root, "toolConfig") else {
        return Ok((Vec::new(), ToolChoice::Auto));
    };
    let path = "toolConfig";
    let map = json::object(raw, path)?;
    let tools_path = join(path, "tools");
    let list = json::array(json::required(map, "tools", path)?, &tools_path)?;
    if list.is_empty() {
        return Err(constraint(
            "'[]'",
            &tools_path,
            "Member must have length greater than or equal to 1",
        ));
    }
    let mut tools = Vec::new();
    let mut names = HashSet::new();
    for (i, entry) in list.iter().enumerate() {
        let entry_path = join(&tools_path, i);
        let entry = json::object(entry, &entry_path)?;
        let Some(spec) = json::optional(entry, "toolSpec") else {
            if let Some(point) = json::optional(entry, "cachePoint") {
                parse_cache_point(point, &join(&entry_path, "cachePoint"))?;
            }
            continue;
        };
        let spec_path = join(&entry_path, "toolSpec");
        let spec = json::object(spec, &spec_path)?;
        let name_path = join(&spec_path, "name");
        let name = json::string(json::required(spec, "name", &spec_path)?, &name_path)?;
        let valid = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(constraint(
                &format!("'{name}'"),
                &name_path,
                "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_-]+$",
            ));
        }
        if !names.insert(name.to_string()) {
            return Err(ApiError::validation(format!(
                "The tool name {name} is defined more than once. Tool names must be unique."
            )));
        }
        let description = json::optional_string(spec, "description", &spec_path)?.unwrap_or("");
        let schema_path = join(&spec_path, "inputSchema");
        let schema = json::object(
            json::required(spec, "inputSchema", &spec_path)?,
            &schema_path,
        )?;
        let input_schema = json::required(schema, "json", &schema_path)?.clone();
        tools.push(ToolSpec {
            name: name.to_string(),
            description: description.to_string(),
            input_schema,
        });
    }
    let mut tool_choice = ToolChoice::Auto;
    if let Some(choice) = json::optional(map, "toolChoice") {
        let choice_path = join(path, "toolChoice");
        let choice = json::object(choice, &choice_path)?;
        if json::optional(choice, "any").is_some() {
            tool_choice = ToolChoice::Any;
        }
        if let Some(tool) = json::optional(choice, "tool") {
            let tool_path = join(&choice_path, "tool");
            let tool = json::object(tool, &tool_path)?;
            let name = json::string(
                json::required(tool, "name", &tool_path)?,
                &join(&tool_path, "name"),
            )?;
            if !names.contains(name) {
                return Err(ApiError::validation(format!(
                    "The tool {name} in toolChoice is not defined in toolConfig.tools."
                )));
            }
            tool_choice = ToolChoice::Tool(name.to_string());
        }
    }
    if !model.tool_use {
        return Err(ApiError::validation(NO_TOOL_USE));
    }
    if operation == Operation::ConverseStream && !model.tool_use_streaming {
        return Err(ApiError::validation(NO_STREAMING_TOOL_USE));
    }
    Ok((tools, tool_choice))
}

/// Every user message after an assistant tool call must answer each call exactly once.
pub(crate) fn check_tool_results(messages: &[Message]) -> Result<(), ApiError> {
    for (i, message) in messages.iter().enumerate() {
        if message.role != Role::User {
            continue;
        }
        let results: Vec<&str> = message
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::ToolResult { id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        let uses: Vec<&str> = i
            .checked_sub(1)
            .and_then(|p| messages.get(p))
            .map(|prev| {
                prev.blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::ToolUse { id, .. } => Some(id.as_str()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        if results.len() > uses.len() {
            return Err(ApiError::validation(format!(
                "The number of toolResult blocks at messages.{i}.content exceeds the number of toolUse blocks of previous turn."
            )));
        }
        let missing: Vec<&str> = uses
            .iter()
            .copied()
            .filter(|id| !results.contains(id))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::validation(format!(
                "Expected toolResult blocks at messages.{i}.content for the following Ids: {}",
                missing.join(", ")
            )));
        }
    }
    Ok(())
}
