//! InvokeModel and InvokeModelWithResponseStream with each provider's native body.

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::ResponseStream;
use serde_json::{Value, json};

use crate::{HAIKU, NOVA, TestResult, client, endpoint};

/// One native body per provider, and where its answer text is.
fn native_cases() -> Vec<(&'static str, Value, &'static str)> {
    let prompt = "native hello";
    vec![
        (
            HAIKU,
            json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}]}),
            "/content/0/text",
        ),
        (
            NOVA,
            json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": prompt}]}], "inferenceConfig": {"maxTokens": 100}}),
            "/output/message/content/0/text",
        ),
        (
            "us.meta.llama3-1-70b-instruct-v1:0",
            json!({"prompt": format!("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"), "max_gen_len": 100}),
            "/generation",
        ),
        (
            "us.deepseek.r1-v1:0",
            json!({"prompt": format!("<｜begin▁of▁sentence｜><｜User｜>{prompt}<｜Assistant｜><think>\n"), "max_tokens": 100}),
            "/choices/0/text",
        ),
        (
            "amazon.titan-text-express-v1",
            json!({"inputText": prompt, "textGenerationConfig": {"maxTokenCount": 100}}),
            "/results/0/outputText",
        ),
        (
            "mistral.mistral-large-2402-v1:0",
            json!({"prompt": format!("<s>[INST] {prompt} [/INST]"), "max_tokens": 100}),
            "/outputs/0/text",
        ),
    ]
}

#[tokio::test]
async fn invoke_model_answers_each_provider_in_its_native_body() -> TestResult {
    let ep = endpoint()?;
    let client = client(&ep).await;
    for (model, body, pointer) in native_cases() {
        let out = client
            .invoke_model()
            .model_id(model)
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(serde_json::to_vec(&body)?))
            .send()
            .await?;
        let answer: Value = serde_json::from_slice(out.body().as_ref())?;
        let text = answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(text.contains("Native answer."), "{model}: {answer}");
        assert_eq!(out.content_type(), "application/json");
    }
    Ok(())
}

#[tokio::test]
async fn invoke_model_with_response_stream_sends_anthropic_chunks() -> TestResult {
    let ep = endpoint()?;
    let (model, body, _) = native_cases().remove(0);
    let mut out = client(&ep)
        .await
        .invoke_model_with_response_stream()
        .model_id(model)
        .content_type("application/json")
        .body(Blob::new(serde_json::to_vec(&body)?))
        .send()
        .await?;
    let mut types = Vec::new();
    let mut text = String::new();
    while let Some(event) = out.body.recv().await? {
        if let ResponseStream::Chunk(part) = event {
            let chunk: Value =
                serde_json::from_slice(part.bytes().map(|b| b.as_ref()).unwrap_or_default())?;
            if let Some(t) = chunk.pointer("/delta/text").and_then(Value::as_str) {
                text.push_str(t);
            }
            if chunk["type"] == "message_stop" {
                assert!(
                    chunk.get("amazon-bedrock-invocationMetrics").is_some(),
                    "{chunk}"
                );
            }
            types.push(chunk["type"].as_str().unwrap_or_default().to_string());
        }
    }
    assert_eq!(text, "Native answer.");
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));
    assert!(
        types.iter().any(|t| t == "content_block_delta")
            && types.iter().any(|t| t == "message_delta")
    );
    Ok(())
}
