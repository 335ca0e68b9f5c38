//! Reasoning through the Rust SDK: Claude's extended thinking in Converse and ConverseStream
//! (reasoning first, then the text; one signature), each rule Bedrock refuses, the tool loop that
//! must send the signed reasoning back unchanged, and DeepSeek-R1's default reasoning with its
//! history rule.

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder;
use aws_sdk_bedrockruntime::types::{
    AnyToolChoice, ContentBlock, ContentBlockDelta, ConversationRole, ConverseStreamOutput,
    InferenceConfiguration, Message, ReasoningContentBlock, ReasoningContentBlockDelta,
    ReasoningTextBlock, ToolChoice, ToolConfiguration, ToolResultBlock, ToolResultContentBlock,
};
use bedrock_catalog::messages::{
    REASONING_IN_HISTORY, invalid_thinking_signature, thinking_block_expected,
};
use bedrock_catalog::thinking::ThinkingRuleError;
use serde_json::{Value, json};

use crate::messages::{
    answer_text, assistant, from_document, to_document, tokens, user, weather_tools,
};
use crate::{SONNET, TestError, TestResult, client, endpoint};

/// DeepSeek-R1 by its US profile (it cannot be invoked on demand by its bare id).
const R1: &str = "us.deepseek.r1-v1:0";

/// `additionalModelRequestFields` that turn thinking on with `budget` tokens.
fn thinking(budget: i64) -> aws_smithy_types::Document {
    to_document(&json!({ "thinking": { "type": "enabled", "budget_tokens": budget } }))
}

fn max_tokens(n: i32) -> InferenceConfiguration {
    InferenceConfiguration::builder().max_tokens(n).build()
}

/// A Converse request to Claude Sonnet 4.5 with thinking on (budget 2048 of 4096 tokens).
fn thinking_request(client: &Client, messages: Vec<Message>) -> ConverseFluentBuilder {
    client
        .converse()
        .model_id(SONNET)
        .set_messages(Some(messages))
        .inference_config(max_tokens(4096))
        .additional_model_request_fields(thinking(2048))
}

/// The answer's blocks, as JSON (reasoning as `{"reasoning": text, "signature": ...}`).
fn blocks(output: &ConverseOutput) -> Vec<Value> {
    let content = output
        .output()
        .and_then(|o| o.as_message().ok())
        .map(|m| m.content().to_vec())
        .unwrap_or_default();
    content.iter().map(block_json).collect()
}

fn block_json(block: &ContentBlock) -> Value {
    match block {
        ContentBlock::Text(t) => json!({ "text": t }),
        ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(r)) => {
            json!({ "reasoning": r.text(), "signature": r.signature() })
        }
        ContentBlock::ToolUse(t) => {
            json!({ "tool": t.name(), "id": t.tool_use_id(), "input": from_document(t.input()) })
        }
        other => json!({ "other": format!("{other:?}") }),
    }
}

/// `code: message` of a refused Converse request.
async fn refused(request: ConverseFluentBuilder) -> String {
    match request.send().await {
        Ok(out) => format!("accepted: {:?}", blocks(&out)),
        Err(e) => {
            let e = e.into_service_error();
            format!(
                "{}: {}",
                e.code().unwrap_or("?"),
                e.message().unwrap_or_default()
            )
        }
    }
}

fn validation(message: impl std::fmt::Display) -> String {
    format!("ValidationException: {message}")
}

#[tokio::test]
async fn converse_with_thinking_answers_signed_reasoning_then_the_text() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let out = thinking_request(&c, vec![user("think first: 6 x 7?")?])
        .send()
        .await?;
    let got = blocks(&out);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["reasoning"], "Six times seven is forty-two.");
    let signature = got[0]["signature"].as_str().ok_or("no signature")?;
    assert!(signature.len() >= 40, "{signature}");
    assert_eq!(got[1], json!({ "text": "The answer is 42." }));
    let usage = out.usage().ok_or("no usage")?;
    assert_eq!(
        usage.output_tokens(),
        tokens("Six times seven is forty-two.") + tokens("The answer is 42."),
        "output tokens include the reasoning"
    );
    // The same question twice: the same reasoning gets the same signature.
    let again = thinking_request(&c, vec![user("think first: 6 x 7?")?])
        .send()
        .await?;
    assert_eq!(blocks(&again)[0]["signature"], signature);
    Ok(())
}

#[tokio::test]
async fn an_answer_without_scripted_reasoning_gets_one_that_says_it_is_scripted() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let out = thinking_request(&c, vec![user("hello there")?])
        .send()
        .await?;
    let got = blocks(&out);
    assert_eq!(
        got[0]["reasoning"],
        "[bedrock-local] Scripted reasoning, not a model's: the question was \"hello there\"; the answer comes from scenario rule `hello`."
    );
    assert_eq!(
        got[1]["text"],
        "Hello from a scenario rule, streamed to you in several small pieces."
    );
    Ok(())
}

#[tokio::test]
async fn converse_stream_with_thinking_sends_reasoning_deltas_then_one_signature_then_text()
-> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let mut output = c
        .converse_stream()
        .model_id(SONNET)
        .messages(user("think first: 6 x 7?")?)
        .inference_config(max_tokens(4096))
        .additional_model_request_fields(thinking(2048))
        .send()
        .await?;
    // (block index, kind) per delta, in arrival order.
    let mut deltas: Vec<(i32, &str)> = Vec::new();
    let (mut reasoning, mut signatures, mut text) = (String::new(), Vec::new(), String::new());
    while let Some(event) = output.stream.recv().await? {
        if let ConverseStreamOutput::ContentBlockDelta(d) = event {
            let index = d.content_block_index();
            match d.delta() {
                Some(ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Text(t))) => {
                    reasoning.push_str(t);
                    deltas.push((index, "reasoning"));
                }
                Some(ContentBlockDelta::ReasoningContent(
                    ReasoningContentBlockDelta::Signature(s),
                )) => {
                    signatures.push(s.clone());
                    deltas.push((index, "signature"));
                }
                Some(ContentBlockDelta::Text(t)) => {
                    text.push_str(t);
                    deltas.push((index, "text"));
                }
                other => return Err(format!("unexpected delta {other:?}").into()),
            }
        }
    }
    assert_eq!(reasoning, "Six times seven is forty-two.");
    assert_eq!(text, "The answer is 42.");
    assert_eq!(signatures.len(), 1, "{deltas:?}");
    let first_text = deltas.iter().position(|d| d.1 == "text").ok_or("no text")?;
    let signature_at = deltas
        .iter()
        .position(|d| d.1 == "signature")
        .ok_or("no signature")?;
    assert!(
        deltas[..signature_at]
            .iter()
            .all(|d| *d == (0, "reasoning")),
        "{deltas:?}"
    );
    assert_eq!(signature_at + 1, first_text, "{deltas:?}");
    assert!(
        deltas[first_text..].iter().all(|d| *d == (1, "text")),
        "{deltas:?}"
    );
    // The streamed signature is the one Converse gives for the same reasoning.
    let plain = thinking_request(&c, vec![user("think first: 6 x 7?")?])
        .send()
        .await?;
    assert_eq!(blocks(&plain)[0]["signature"], signatures[0].as_str());
    Ok(())
}

#[tokio::test]
async fn each_thinking_rule_is_refused_with_bedrocks_text() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let ask = || -> Result<ConverseFluentBuilder, TestError> {
        Ok(c.converse()
            .model_id(SONNET)
            .messages(user("think first: 6 x 7?")?))
    };
    let small = ask()?
        .inference_config(max_tokens(4096))
        .additional_model_request_fields(thinking(512));
    assert_eq!(
        refused(small).await,
        validation(
            ThinkingRuleError::BudgetTooSmall {
                min: 1024,
                budget: 512
            }
            .bedrock_message()
        )
    );
    assert!(
        refused(
            ask()?
                .inference_config(max_tokens(4096))
                .additional_model_request_fields(thinking(512))
        )
        .await
        .ends_with("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
    );
    let full = ask()?
        .inference_config(max_tokens(4096))
        .additional_model_request_fields(thinking(4096));
    assert_eq!(
        refused(full).await,
        validation(
            "The model returned the following errors: `max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size"
        )
    );
    let warm = ask()?
        .inference_config(
            InferenceConfiguration::builder()
                .max_tokens(4096)
                .temperature(0.5)
                .build(),
        )
        .additional_model_request_fields(thinking(2048));
    assert_eq!(
        refused(warm).await,
        validation(
            "The model returned the following errors: temperature may only be set to 1 when thinking is enabled."
        )
    );
    let narrow = ask()?
        .inference_config(
            InferenceConfiguration::builder()
                .max_tokens(4096)
                .top_p(0.5)
                .build(),
        )
        .additional_model_request_fields(thinking(2048));
    assert_eq!(
        refused(narrow).await,
        validation(ThinkingRuleError::TopPChanged { min: Some(0.95) }.bedrock_message())
    );
    let forced = ToolConfiguration::builder()
        .set_tools(weather_tools()?.tools().to_vec().into())
        .tool_choice(ToolChoice::Any(AnyToolChoice::builder().build()))
        .build()?;
    let forcing = c
        .converse()
        .model_id(SONNET)
        .messages(user("Weather in Paris?")?)
        .tool_config(forced)
        .inference_config(max_tokens(4096))
        .additional_model_request_fields(thinking(2048));
    assert_eq!(
        refused(forcing).await,
        validation(
            "The model returned the following errors: Thinking may not be enabled when tool_choice forces tool use."
        )
    );
    // temperature 1 (the default) is allowed with thinking.
    let default_temperature = ask()?
        .inference_config(
            InferenceConfiguration::builder()
                .max_tokens(4096)
                .temperature(1.0)
                .build(),
        )
        .additional_model_request_fields(thinking(2048));
    assert!(refused(default_temperature).await.starts_with("accepted"));
    Ok(())
}

/// The user turn that answers a `get_weather` call.
fn weather_result(id: &str) -> Result<Message, TestError> {
    Ok(Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id(id)
                .content(ToolResultContentBlock::Json(to_document(
                    &json!({ "condition": "Sunny", "temperature": 21 }),
                )))
                .build()?,
        ))
        .build()?)
}

fn reasoning_block(text: &str, signature: &str) -> Result<ContentBlock, TestError> {
    Ok(ContentBlock::ReasoningContent(
        ReasoningContentBlock::ReasoningText(
            ReasoningTextBlock::builder()
                .text(text)
                .signature(signature)
                .build()?,
        ),
    ))
}

#[tokio::test]
async fn a_tool_loop_takes_the_reasoning_back_unchanged_and_refuses_it_altered_or_missing()
-> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let question = user("Weather in Paris?")?;
    let call = thinking_request(&c, vec![question.clone()])
        .tool_config(weather_tools()?)
        .send()
        .await?;
    let turn = call
        .output()
        .and_then(|o| o.as_message().ok())
        .ok_or("no message")?
        .clone();
    let got = blocks(&call);
    assert!(
        got[0]["reasoning"]
            .as_str()
            .is_some_and(|r| r.starts_with("[bedrock-local] Scripted reasoning")),
        "{got:?}"
    );
    assert_eq!(got[1], json!({ "text": "Let me check." }));
    assert_eq!(got[2]["tool"], "get_weather");
    let id = got[2]["id"].as_str().ok_or("no tool id")?;

    // Sent back exactly as received: accepted, and the answer reasons again first.
    let loop_back = vec![question.clone(), turn.clone(), weather_result(id)?];
    let answer = thinking_request(&c, loop_back)
        .tool_config(weather_tools()?)
        .send()
        .await?;
    assert_eq!(answer_text(&answer), "It is sunny in Paris.");
    assert!(blocks(&answer)[0]["reasoning"].is_string());

    // The reasoning text changed, the signature kept: refused.
    let reasoning = got[0]["reasoning"].as_str().ok_or("no reasoning")?;
    let signature = got[0]["signature"].as_str().ok_or("no signature")?;
    let mut altered = turn.content().to_vec();
    altered[0] = reasoning_block(&format!("{reasoning} (edited)"), signature)?;
    let history = vec![question.clone(), assistant(altered)?, weather_result(id)?];
    assert_eq!(
        refused(thinking_request(&c, history).tool_config(weather_tools()?)).await,
        validation(invalid_thinking_signature(1, 0))
    );

    // The reasoning dropped: the tool call comes first, refused.
    let without = turn.content()[1..].to_vec();
    let history = vec![question, assistant(without)?, weather_result(id)?];
    assert_eq!(
        refused(thinking_request(&c, history).tool_config(weather_tools()?)).await,
        validation(thinking_block_expected(1, "text"))
    );
    Ok(())
}

#[tokio::test]
async fn deepseek_reasons_by_default_and_refuses_its_reasoning_sent_back() -> TestResult {
    let ep = endpoint()?;
    let c = client(&ep).await;
    let question = user("hello there")?;
    let out = c
        .converse()
        .model_id(R1)
        .messages(question.clone())
        .send()
        .await?;
    let got = blocks(&out);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0]["reasoning"]
            .as_str()
            .is_some_and(|r| r.starts_with("[bedrock-local] Scripted reasoning"))
    );
    assert_eq!(
        got[0]["signature"],
        Value::Null,
        "DeepSeek-R1 does not sign its reasoning"
    );
    assert_eq!(
        got[1]["text"],
        "Hello from a scenario rule, streamed to you in several small pieces."
    );

    let turn = out
        .output()
        .and_then(|o| o.as_message().ok())
        .ok_or("no message")?
        .clone();
    let history = vec![question.clone(), turn.clone(), user("And then?")?];
    let request = c.converse().model_id(R1).set_messages(Some(history));
    assert_eq!(refused(request).await, validation(REASONING_IN_HISTORY));

    // Without the reasoning block the follow-up is accepted.
    let text_only = assistant(turn.content()[1..].to_vec())?;
    let history = vec![question, text_only, user("And then?")?];
    c.converse()
        .model_id(R1)
        .set_messages(Some(history))
        .send()
        .await?;
    Ok(())
}
