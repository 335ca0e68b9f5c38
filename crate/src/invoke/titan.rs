//! Amazon Titan Text bodies (`inputText`, `textGenerationConfig`).

use serde_json::{Map, Value, json};

use super::provider::{Parsed, count, sampling, stop_reason};
use crate::request::Params;

pub(crate) fn body(prompt: &str, params: &Params) -> Value {
    let mut config = Map::new();
    config.insert("maxTokenCount".into(), json!(params.max_tokens));
    sampling(&mut config, params, "temperature", "topP");
    json!({ "inputText": prompt, "textGenerationConfig": config })
}

pub(crate) fn parse(response: &Value) -> Option<Parsed> {
    let result = response.get("results")?.as_array()?.first()?;
    Some(Parsed {
        // Titan often starts its answer with a newline.
        text: result.get("outputText")?.as_str()?.trim_start().to_string(),
        reasoning: None,
        stop_reason: stop_reason(result, "completionReason"),
        input_tokens: count(&response["inputTextTokenCount"]),
        output_tokens: count(&result["tokenCount"]),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn body_uses_text_generation_config() {
        assert_eq!(
            body("Hi", &Params::default().max_tokens(100)),
            json!({"inputText": "Hi", "textGenerationConfig": {"maxTokenCount": 100}})
        );
    }

    #[test]
    fn answer_is_read_from_the_first_result() {
        let parsed = parse(&json!({"inputTextTokenCount": 4,
            "results": [{"tokenCount": 2, "outputText": "\nHello", "completionReason": "FINISH"}]}));
        assert_eq!(
            parsed.map(|p| (p.text, p.stop_reason, p.input_tokens)),
            Some(("Hello".into(), "end_turn".into(), 4))
        );
    }
}
