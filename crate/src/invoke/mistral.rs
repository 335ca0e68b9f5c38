//! Mistral text-completion bodies (`<s>[INST] ... [/INST]`).

use serde_json::Value;

use super::provider::{Parsed, prompt_body, stop_reason};
use crate::request::Params;

pub(crate) fn body(prompt: &str, params: &Params) -> Value {
    prompt_body(format!("<s>[INST] {prompt} [/INST]"), "max_tokens", params)
}

pub(crate) fn parse(response: &Value) -> Option<Parsed> {
    let output = response.get("outputs")?.as_array()?.first()?;
    Some(Parsed {
        text: output.get("text")?.as_str()?.trim().to_string(),
        reasoning: None,
        stop_reason: stop_reason(output, "stop_reason"),
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
    fn body_wraps_the_prompt_in_inst_tags() {
        let b = body("Hi", &Params::default().top_p(0.9));
        assert_eq!(
            b,
            json!({"prompt": "<s>[INST] Hi [/INST]", "max_tokens": 512, "top_p": 0.9})
        );
    }

    #[test]
    fn answer_is_read_from_outputs() {
        let parsed = parse(&json!({"outputs": [{"text": " Bonjour", "stop_reason": "length"}]}));
        assert_eq!(
            parsed.map(|p| (p.text, p.stop_reason)),
            Some(("Bonjour".into(), "max_tokens".into()))
        );
    }
}
