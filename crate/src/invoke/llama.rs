//! Meta Llama 3 bodies: one `prompt` string in the Llama 3 chat template.

use serde_json::Value;

use super::provider::{Parsed, count, prompt_body, stop_reason};
use crate::request::Params;

/// The Llama 3 chat template for a single user turn, ending where the assistant speaks.
pub(crate) fn prompt_template(prompt: &str) -> String {
    format!(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>\
         <|start_header_id|>assistant<|end_header_id|>\n\n"
    )
}

pub(crate) fn body(prompt: &str, params: &Params) -> Value {
    prompt_body(prompt_template(prompt), "max_gen_len", params)
}

pub(crate) fn parse(response: &Value) -> Option<Parsed> {
    Some(Parsed {
        text: response.get("generation")?.as_str()?.trim().to_string(),
        reasoning: None,
        stop_reason: stop_reason(response, "stop_reason"),
        input_tokens: count(&response["prompt_token_count"]),
        output_tokens: count(&response["generation_token_count"]),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use serde_json::json;

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
