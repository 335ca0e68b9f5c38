//! DeepSeek-R1 bodies: one `prompt` string in its chat template, reasoning before `</think>`.

use serde_json::Value;

use super::provider::{Parsed, prompt_body, stop_reason};
use crate::request::Params;

pub(crate) fn body(prompt: &str, params: &Params) -> Value {
    let templated = format!("<｜begin▁of▁sentence｜><｜User｜>{prompt}<｜Assistant｜><think>\n");
    prompt_body(templated, "max_tokens", params)
}

pub(crate) fn parse(response: &Value) -> Option<Parsed> {
    let choice = response.get("choices")?.as_array()?.first()?;
    let raw = choice.get("text")?.as_str()?;
    // The prompt opens a <think> block, so the answer is what follows its end.
    let (reasoning, text) = match raw.split_once("</think>") {
        Some((thinking, answer)) => (Some(thinking.trim().to_string()), answer.trim().to_string()),
        None => (None, raw.trim().to_string()),
    };
    Some(Parsed {
        text,
        reasoning: reasoning.filter(|r| !r.is_empty()),
        stop_reason: stop_reason(choice, "stop_reason"),
        input_tokens: 0,
        output_tokens: 0,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn body_opens_a_think_block() {
        let b = body("Why?", &Params::default());
        assert_eq!(
            b["prompt"],
            "<｜begin▁of▁sentence｜><｜User｜>Why?<｜Assistant｜><think>\n"
        );
        assert_eq!(b["max_tokens"], 512);
    }

    #[test]
    fn reasoning_is_split_from_the_answer() {
        let parsed = parse(
            &json!({"choices": [{"text": "hmm\n</think>\n\nBecause.", "stop_reason": "stop"}]}),
        );
        assert_eq!(
            parsed.map(|p| (p.text, p.reasoning)),
            Some(("Because.".into(), Some("hmm".into())))
        );
    }
}
