//! Amazon Nova bodies (`schemaVersion: messages-v1`).

use serde_json::{Map, Value, json};

use super::provider::{Parsed, count, sampling, stop_reason};
use crate::request::Params;

pub(crate) fn body(prompt: &str, params: &Params) -> Value {
    let mut inference = Map::new();
    inference.insert("maxTokens".into(), json!(params.max_tokens));
    sampling(&mut inference, params, "temperature", "topP");
    json!({
        "schemaVersion": "messages-v1",
        "messages": [{ "role": "user", "content": [{ "text": prompt }] }],
        "inferenceConfig": inference,
    })
}

pub(crate) fn parse(response: &Value) -> Option<Parsed> {
    let content = response
        .get("output")?
        .get("message")?
        .get("content")?
        .as_array()?;
    let mut text = String::new();
    let mut reasoning = String::new();
    for block in content {
        if let Some(t) = block.get("text").and_then(Value::as_str) {
            text.push_str(t);
        }
        if let Some(r) = block["reasoningContent"]["reasoningText"]["text"].as_str() {
            reasoning.push_str(r);
        }
    }
    Some(Parsed {
        text,
        reasoning: (!reasoning.is_empty()).then_some(reasoning),
        stop_reason: stop_reason(response, "stopReason"),
        input_tokens: count(&response["usage"]["inputTokens"]),
        output_tokens: count(&response["usage"]["outputTokens"]),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn body_uses_messages_v1_and_inference_config() {
        let b = body("Hi", &Params::default().temperature(0.4));
        assert_eq!(b["schemaVersion"], "messages-v1");
        assert_eq!(b["messages"][0]["content"][0]["text"], "Hi");
        assert_eq!(
            b["inferenceConfig"],
            json!({"maxTokens": 512, "temperature": 0.4})
        );
    }

    #[test]
    fn answer_is_read_from_output_message() {
        let parsed = parse(
            &json!({"output": {"message": {"role": "assistant", "content": [{"text": "Yo"}]}},
            "stopReason": "end_turn", "usage": {"inputTokens": 2, "outputTokens": 1, "totalTokens": 3}}),
        );
        assert_eq!(
            parsed.map(|p| (p.text, p.input_tokens)),
            Some(("Yo".into(), 2))
        );
    }
}
