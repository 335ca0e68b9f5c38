//! Whether and how a Converse request reasons, and the history rules reasoning imposes.

use serde_json::{Map, Value};

use bedrock_catalog::messages::{
    MODEL_ERRORS, REASONING_IN_HISTORY, invalid_thinking_signature, thinking_block_expected,
    thinking_signature_required,
};
use bedrock_catalog::thinking::{self, ThinkingRequest};
use bedrock_catalog::{Model, Provider, Thinking};

use super::Signer;
use crate::error::ApiError;
use crate::turn::Turn;

/// How the answer to a request reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No reasoning asked for (a scenario's `reasoning` is still sent as written).
    Off,
    /// Claude's extended thinking, with this budget of reasoning tokens.
    Budget(u32),
    /// The model always reasons (DeepSeek-R1).
    Always,
}

/// The reasoning mode of a validated Converse `body` (already parsed into `turn`) for `model`,
/// or Bedrock's refusal: reasoning in a user message, reasoning sent back to DeepSeek-R1, a
/// `thinking` field that breaks `bedrock_catalog::thinking::check`, and with thinking on, a
/// reasoning block without its signature or with one that does not match, or an assistant tool
/// call answered without the reasoning that came before it.
pub fn mode(body: &Value, turn: &Turn, model: &Model, signer: &Signer) -> Result<Mode, ApiError> {
    let history = reasoning_blocks(body);
    if history.iter().any(|b| b.role == "user") {
        return Err(ApiError::validation(REASONING_IN_HISTORY));
    }
    if let Some(Thinking::Always { .. }) = model.thinking {
        if !history.is_empty() {
            return Err(ApiError::validation(REASONING_IN_HISTORY));
        }
        return Ok(Mode::Always);
    }
    // Other families take their own reasoning switches (Nova's `reasoningConfig`): only Claude's
    // `thinking` is judged here.
    if model.provider != Provider::Anthropic {
        return Ok(Mode::Off);
    }
    let Some(budget) = requested_budget(body)? else {
        return Ok(Mode::Off);
    };
    let request = ThinkingRequest {
        budget_tokens: budget,
        max_tokens: turn.max_tokens.unwrap_or(model.max_output_tokens),
        temperature: inference_number(body, "temperature"),
        top_p: inference_number(body, "topP"),
        forced_tool_choice: forced_tool_choice(body),
    };
    thinking::check(model, &request)
        .map_err(|rule| ApiError::validation(rule.bedrock_message()))?;
    for block in &history {
        match &block.signature {
            None if block.text.is_some() => {
                return Err(ApiError::validation(thinking_signature_required(
                    block.message,
                    block.index,
                )));
            }
            Some(signature) => {
                let text = block.text.as_deref().unwrap_or_default();
                if !signer.verify(&model.id, text, signature) {
                    return Err(ApiError::validation(invalid_thinking_signature(
                        block.message,
                        block.index,
                    )));
                }
            }
            // A redacted block carries no text to check.
            None => {}
        }
    }
    check_tool_loop(body)?;
    // `check` proved 1024 <= budget < maxTokens, so it fits in a u32.
    Ok(Mode::Budget(u32::try_from(budget).unwrap_or(u32::MAX)))
}

/// One `reasoningContent` block of the request's history.
struct HistoryBlock {
    role: String,
    message: usize,
    index: usize,
    text: Option<String>,
    signature: Option<String>,
}

fn messages_of(body: &Value) -> &[Value] {
    body.get("messages")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn content_of(message: &Value) -> &[Value] {
    message
        .get("content")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn reasoning_blocks(body: &Value) -> Vec<HistoryBlock> {
    let mut found = Vec::new();
    for (message, entry) in messages_of(body).iter().enumerate() {
        let role = entry
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for (index, block) in content_of(entry).iter().enumerate() {
            let Some(reasoning) = block.get("reasoningContent") else {
                continue;
            };
            let text_block = reasoning.get("reasoningText");
            let field = |key: &str| {
                text_block
                    .and_then(|t| t.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            found.push(HistoryBlock {
                role: role.to_string(),
                message,
                index,
                text: field("text"),
                signature: field("signature"),
            });
        }
    }
    found
}

/// `additionalModelRequestFields.thinking`: the budget when thinking is `enabled`, `None` when it
/// is absent or `disabled`.
fn requested_budget(body: &Value) -> Result<Option<i64>, ApiError> {
    let Some(thinking) = body
        .get("additionalModelRequestFields")
        .and_then(|f| f.get("thinking"))
    else {
        return Ok(None);
    };
    // Not verified: Anthropic's validator words these shape errors the way its other field
    // errors read (pydantic's), which Bedrock prefixes as usual.
    let shape_error = |text: &str| ApiError::validation(format!("{MODEL_ERRORS}{text}"));
    let Some(map) = thinking.as_object() else {
        return Err(shape_error(
            "thinking: Input should be a valid dictionary or object to extract fields from",
        ));
    };
    match map.get("type").and_then(Value::as_str) {
        Some("enabled") => {}
        Some("disabled") => return Ok(None),
        Some(other) => {
            return Err(shape_error(&format!(
                "thinking: Input tag '{other}' found using 'type' does not match any of the expected tags: 'disabled', 'enabled'"
            )));
        }
        None => {
            return Err(shape_error(
                "thinking: Unable to extract tag using discriminator 'type'",
            ));
        }
    }
    match map.get("budget_tokens") {
        None => Err(shape_error(
            "thinking.enabled.budget_tokens: Field required",
        )),
        Some(value) => value.as_i64().map(Some).ok_or_else(|| {
            shape_error("thinking.enabled.budget_tokens: Input should be a valid integer")
        }),
    }
}

fn inference_number(body: &Value, key: &str) -> Option<f64> {
    body.get("inferenceConfig")
        .and_then(|c| c.get(key))
        .and_then(Value::as_f64)
}

fn forced_tool_choice(body: &Value) -> bool {
    body.get("toolConfig")
        .and_then(|c| c.get("toolChoice"))
        .and_then(Value::as_object)
        .is_some_and(|choice: &Map<String, Value>| {
            choice.contains_key("any") || choice.contains_key("tool")
        })
}

/// With thinking on, the assistant turn that the last user message's tool results answer must
/// start with its reasoning block.
fn check_tool_loop(body: &Value) -> Result<(), ApiError> {
    let list = messages_of(body);
    let Some(last) = list.last() else {
        return Ok(());
    };
    let answers_tools = content_of(last)
        .iter()
        .any(|b| b.get("toolResult").is_some());
    let Some(at) = list.len().checked_sub(2) else {
        return Ok(());
    };
    if !answers_tools {
        return Ok(());
    }
    let Some(first) = list.get(at).and_then(|m| content_of(m).first()) else {
        return Ok(());
    };
    if first.get("reasoningContent").is_some() {
        return Ok(());
    }
    let found = if first.get("toolUse").is_some() {
        "tool_use"
    } else {
        "text"
    };
    Err(ApiError::validation(thinking_block_expected(at, found)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;
    use crate::turn::Operation;
    use serde_json::json;

    fn judge(model_name: &str, body: Value, signer: &Signer) -> Result<Mode, ApiError> {
        let model = bedrock_catalog::find(model_name).unwrap();
        let turn = crate::validate::converse(&body, &model.id, model, Operation::Converse)?;
        mode(&body, &turn, model, signer)
    }

    fn thinking(budget: i64) -> Value {
        json!({ "thinking": { "type": "enabled", "budget_tokens": budget } })
    }

    fn tool_loop(reasoning: Value) -> Value {
        let mut assistant =
            vec![json!({ "toolUse": { "toolUseId": "t1", "name": "get_weather", "input": {} } })];
        if !reasoning.is_null() {
            assistant.insert(0, json!({ "reasoningContent": reasoning }));
        }
        json!({
            "messages": [
                { "role": "user", "content": [{ "text": "Weather in Paris?" }] },
                { "role": "assistant", "content": assistant },
                { "role": "user", "content": [{ "toolResult": { "toolUseId": "t1", "content": [{ "text": "Sunny" }] } }] }
            ],
            "toolConfig": { "tools": [{ "toolSpec": { "name": "get_weather", "inputSchema": { "json": { "type": "object" } } } }] },
            "inferenceConfig": { "maxTokens": 4096 },
            "additionalModelRequestFields": thinking(2048)
        })
    }

    #[test]
    fn a_tool_loop_passes_with_the_signed_reasoning_and_fails_without_or_altered() {
        let signer = Signer::new();
        let sonnet = bedrock_catalog::find("Claude Sonnet 4.5").unwrap();
        let text = "The user wants the weather.";
        let signature = signer.sign(&sonnet.id, text);
        let good = tool_loop(json!({ "reasoningText": { "text": text, "signature": signature } }));
        assert_eq!(
            judge("Claude Sonnet 4.5", good, &signer),
            Ok(Mode::Budget(2048))
        );

        let altered =
            tool_loop(json!({ "reasoningText": { "text": "Changed.", "signature": signature } }));
        assert_eq!(
            judge("Claude Sonnet 4.5", altered, &signer)
                .unwrap_err()
                .message,
            invalid_thinking_signature(1, 0)
        );
        let unsigned = tool_loop(json!({ "reasoningText": { "text": text } }));
        assert_eq!(
            judge("Claude Sonnet 4.5", unsigned, &signer)
                .unwrap_err()
                .message,
            thinking_signature_required(1, 0)
        );
        let missing = tool_loop(Value::Null);
        assert_eq!(
            judge("Claude Sonnet 4.5", missing, &signer)
                .unwrap_err()
                .message,
            thinking_block_expected(1, "tool_use")
        );
        // Without thinking the same history is accepted: nothing asks for the block.
        let mut off = tool_loop(Value::Null);
        off["additionalModelRequestFields"] = json!({});
        assert_eq!(judge("Claude Sonnet 4.5", off, &signer), Ok(Mode::Off));
    }

    #[test]
    fn deepseek_always_reasons_and_refuses_reasoning_in_its_history() {
        let signer = Signer::new();
        let first = json!({ "messages": [{ "role": "user", "content": [{ "text": "Hi" }] }] });
        assert_eq!(judge("DeepSeek-R1", first, &signer), Ok(Mode::Always));
        let again = json!({ "messages": [
            { "role": "user", "content": [{ "text": "Hi" }] },
            { "role": "assistant", "content": [{ "reasoningContent": { "reasoningText": { "text": "hm" } } }, { "text": "Hello" }] },
            { "role": "user", "content": [{ "text": "And?" }] }
        ] });
        assert_eq!(
            judge("DeepSeek-R1", again, &signer).unwrap_err().message,
            REASONING_IN_HISTORY
        );
    }

    #[test]
    fn reasoning_in_a_user_message_is_refused_on_every_model() {
        let body = json!({ "messages": [{ "role": "user", "content": [
            { "reasoningContent": { "reasoningText": { "text": "hm", "signature": "x" } } }, { "text": "Hi" }
        ] }] });
        for name in ["Claude Haiku 4.5", "Amazon Nova Pro"] {
            assert_eq!(
                judge(name, body.clone(), &Signer::new())
                    .unwrap_err()
                    .message,
                REASONING_IN_HISTORY,
                "{name}"
            );
        }
    }

    #[test]
    fn thinking_fields_of_the_wrong_shape_are_refused_and_disabled_is_off() {
        let ask = |fields: Value| {
            json!({
                "messages": [{ "role": "user", "content": [{ "text": "Hi" }] }],
                "additionalModelRequestFields": fields
            })
        };
        let signer = Signer::new();
        let refused = |fields: Value| {
            judge("Claude Haiku 4.5", ask(fields), &signer)
                .unwrap_err()
                .message
        };
        assert!(
            refused(json!({ "thinking": { "type": "enabled" } }))
                .ends_with("budget_tokens: Field required")
        );
        assert!(refused(json!({ "thinking": { "type": "sometimes" } })).contains("'sometimes'"));
        assert!(refused(json!({ "thinking": "on" })).contains("valid dictionary"));
        assert_eq!(
            judge(
                "Claude Haiku 4.5",
                ask(json!({ "thinking": { "type": "disabled" } })),
                &signer
            ),
            Ok(Mode::Off)
        );
        // Without maxTokens the model's own maximum is the ceiling.
        assert_eq!(
            judge("Claude Haiku 4.5", ask(thinking(2048)), &signer),
            Ok(Mode::Budget(2048))
        );
    }
}
