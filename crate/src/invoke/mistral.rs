//! Mistral text-completion bodies (`<s>[INST] ... [/INST]`).

use serde_json::{Map, Value, json};

use super::provider::{Parsed, normalise_stop, sampling};
use crate::request::Params;

pub(crate) fn body(prompt: &str, params: &Params) -> Value {
    let mut body = Map::new();
    body.insert(
        "prompt".into(),
        json!(format!("<s>[INST] {prompt} [/INST]")),
    );
    body.insert("max_tokens".into(), json!(params.max_tokens));
    sampling(&mut body, params, "temperature", "top_p");
    Value::Object(body)
}

pub(crate) fn parse(response: &Value) -> Option<Parsed> {
    let output = response.get("outputs")?.as_array()?.first()?;
    Some(Parsed {
        text: output.get("text")?.as_str()?.trim().to_string(),
        reasoning: None,
        stop_reason: normalise_stop(
            output
                .get("stop_reason")
                .and_then(Value::as_str)
                .unwrap_or(""),
        ),
        input_tokens: 0,
        output_tokens: 0,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
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
