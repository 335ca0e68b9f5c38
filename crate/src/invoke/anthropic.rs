//! Anthropic Messages bodies (`anthropic_version: bedrock-2023-05-31`).

use serde_json::{Map, Value, json};

use super::provider::{Parsed, count, sampling, stop_reason};
use crate::request::Params;

pub(crate) fn body(prompt: &str, params: &Params) -> Value {
    let mut body = Map::new();
    body.insert("anthropic_version".into(), json!("bedrock-2023-05-31"));
    body.insert("max_tokens".into(), json!(params.max_tokens));
    sampling(&mut body, params, "temperature", "top_p");
    body.insert(
        "messages".into(),
        json!([{ "role": "user", "content": [{ "type": "text", "text": prompt }] }]),
    );
    Value::Object(body)
}

pub(crate) fn parse(response: &Value) -> Option<Parsed> {
    let content = response.get("content")?.as_array()?;
    let mut text = String::new();
    let mut reasoning = String::new();
    for block in content {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(block.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("thinking") => {
                reasoning.push_str(block.get("thinking").and_then(Value::as_str).unwrap_or(""))
            }
            _ => {}
        }
    }
    Some(Parsed {
        text,
        reasoning: (!reasoning.is_empty()).then_some(reasoning),
        stop_reason: stop_reason(response, "stop_reason"),
        input_tokens: count(&response["usage"]["input_tokens"]),
        output_tokens: count(&response["usage"]["output_tokens"]),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn body_matches_the_workshop_invoke_example() {
        let params = Params {
            max_tokens: 1000,
            temperature: Some(0.5),
            top_p: Some(0.9),
        };
        assert_eq!(
            body("Summarise", &params),
            json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1000, "temperature": 0.5,
                   "top_p": 0.9, "messages": [{"role": "user", "content": [{"type": "text", "text": "Summarise"}]}]})
        );
    }

    #[test]
    fn answer_text_and_usage_are_read() {
        let parsed = parse(&json!({"id": "x", "type": "message", "role": "assistant",
            "content": [{"type": "text", "text": "Hi"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 3, "output_tokens": 1}}));
        assert_eq!(
            parsed.map(|p| (p.text, p.output_tokens)),
            Some(("Hi".into(), 1))
        );
    }
}
