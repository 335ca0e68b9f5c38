//! InvokeModel with native bodies for every provider family.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_kit::{Demo, Params, native_body};
use common::local;

#[test]
fn invoke_text_reads_every_provider_family() {
    let bedrock = local();
    let models = [
        "Claude Haiku 4.5",
        "Amazon Nova Pro",
        "Amazon Titan Text Express",
        "Meta Llama 3.1 70B Instruct",
        "DeepSeek-R1",
        "Mistral Large (24.02)",
    ];
    for model in models {
        let reply = bedrock
            .invoke_text(model, "hello", &Params::default())
            .unwrap_or_else(|e| panic!("{model}: {e}"));
        assert!(
            reply.text.contains("bedrock-local"),
            "{model}: {:?}",
            reply.text
        );
        assert!(!reply.stop_reason.is_empty(), "{model}");
    }
}

#[test]
fn invoke_raw_sends_the_workshop_anthropic_body() {
    let bedrock = local();
    // Claude 4.5 takes temperature or top_p, not both: the workshop's body sets temperature.
    let params = Params {
        max_tokens: 1000,
        temperature: Some(0.5),
        top_p: None,
    };
    let body = native_body(
        "Claude Haiku 4.5",
        "Summarize this text: The sun rises in the east. It sets in the west.",
        &params,
    )
    .expect("body");
    let answer = bedrock
        .invoke_raw("Claude Haiku 4.5", &body)
        .expect("invoke");
    assert_eq!(answer["type"], "message");
    assert!(
        answer["content"][0]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
}

#[test]
fn invoke_drops_top_p_for_claude_4_5_and_says_so() {
    let reply = local()
        .invoke_text(
            "Claude Haiku 4.5",
            "hello",
            &Params::default().temperature(0.5).top_p(0.9),
        )
        .expect("invoke");
    assert_eq!(reply.adjustments.len(), 1, "{:?}", reply.adjustments);
    assert!(reply.model_id.starts_with("us."), "{}", reply.model_id);
}

#[test]
fn invoke_errors_map_like_converse_errors() {
    let error = local()
        .invoke_text(
            "Amazon Nova Micro",
            &Demo::AccessDenied.marker(),
            &Params::default(),
        )
        .expect_err("denied");
    assert!(
        matches!(error, bedrock_kit::Error::AccessDenied { .. }),
        "{error:?}"
    );
}
