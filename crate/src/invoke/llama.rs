//! Meta Llama 3 bodies: one `prompt` string in the Llama 3 chat template.

use serde_json::{Map, Value, json};

use super::provider::{Parsed, count, normalise_stop, sampling};
use crate::request::Params;

/// The Llama 3 chat template for a single user turn, ending where the assistant speaks.
pub(crate) fn prompt_template(prompt: &str) -> String {
    format!(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>\
         <|start_header_id|>assistant<|end_header_id|>\n\n"
    )
}

pub(crate) fn body(prompt: &str, params: &Params) -> Value {
    let mut body = Map::new();
    body.insert("prompt".into(), json!(prompt_template(prompt)));
    body.insert("max_gen_len".into(), json!(params.max_tokens));
    sampling(&mut body, params, "temperature", "top_p");
    Value::Object(body)
}

pub(crate) fn parse(response: &Value) -> Option<Parsed> {
    Some(Parsed {
        text: response.get("generation")?.as_str()?.trim().to_string(),
        reasoning: None,
        stop_reason: normalise_stop(
            response
                .get("stop_reason")
                .and_then(Value::as_str)
                .unwrap_or(""),
        ),
        input_tokens: count(&response["prompt_token_count"]),
        output_tokens: count(&response["generation_token_count"]),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn body_wraps_the_prompt_in_the_chat_template() {
        let b = body("Hi", &Params::default());
        assert_eq!(
            b["prompt"],
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        );
        assert_eq!(b["max_gen_len"], 512);
    }

    #[test]
    fn answer_is_read_from_generation() {
        let parsed = parse(&json!({"generation": " Hello", "prompt_token_count": 5,
            "generation_token_count": 1, "stop_reason": "stop"}));
        assert_eq!(
            parsed.map(|p| (p.text, p.stop_reason)),
            Some(("Hello".into(), "end_turn".into()))
        );
    }
}
