//! Amazon Titan Text bodies (`inputText` + `textGenerationConfig`).

use serde_json::{Map, Value, json};

use super::Native;
use super::completion::{completion_chunks, prompt_messages};
use super::schema::{
    check_keys, integer_member, malformed, number_member, string_member, strings_member,
};
use crate::answer::Reply;
use crate::error::ApiError;
use crate::turn::{Role, Sampling, StopReason};

const CONFIG_ALLOWED: &[&str] = &["maxTokenCount", "temperature", "topP", "stopSequences"];

pub(super) fn parse(map: &Map<String, Value>) -> Result<Native, ApiError> {
    check_keys(map, &["inputText", "textGenerationConfig"], &["inputText"])?;
    let prompt = string_member(map, "inputText")?;
    let mut sampling = Sampling::default();
    let (max_tokens, stop_sequences) =
        match map.get("textGenerationConfig").filter(|v| !v.is_null()) {
            None => (None, Vec::new()),
            Some(Value::Object(config)) => {
                check_keys(config, CONFIG_ALLOWED, &[])?;
                sampling.temperature = number_member(config, "temperature", 0.0, 1.0)?;
                sampling.top_p = number_member(config, "topP", 0.0, 1.0)?;
                (
                    integer_member(config, "maxTokenCount")?,
                    strings_member(config, "stopSequences")?,
                )
            }
            Some(_) => {
                return Err(malformed(
                    "#/textGenerationConfig: expected type: JSONObject",
                ));
            }
        };
    // Titan's chat convention is "User: ...\nBot:"; the user's words are what matter here.
    let text = prompt
        .trim()
        .trim_end_matches("Bot:")
        .trim()
        .trim_start_matches("User:")
        .trim()
        .to_string();
    Ok(Native {
        system: None,
        messages: prompt_messages(prompt, vec![(Role::User, text)])?,
        tools: Vec::new(),
        max_tokens,
        stop_sequences,
        sampling,
    })
}

fn completion_reason(reason: StopReason) -> &'static str {
    match reason {
        StopReason::MaxTokens => "LENGTH",
        StopReason::StopSequence => "STOP_CRITERIA_MET",
        StopReason::ContentFiltered | StopReason::GuardrailIntervened => "CONTENT_FILTERED",
        _ => "FINISH",
    }
}

pub(super) fn render(reply: &Reply) -> Value {
    json!({
        "inputTextTokenCount": reply.input_tokens,
        "results": [{
            "tokenCount": reply.output_tokens,
            "outputText": reply.text(),
            "completionReason": completion_reason(reply.stop_reason),
        }],
    })
}

pub(super) fn stream_chunks(reply: &Reply) -> Vec<(Value, u32)> {
    completion_chunks(&reply.text(), reply, |piece| {
        json!({
            "outputText": piece.text,
            "index": 0,
            "totalOutputTextTokenCount": piece.sent,
            "completionReason": piece.last.then(|| completion_reason(reply.stop_reason)),
            "inputTextTokenCount": reply.input_tokens,
        })
    })
}
