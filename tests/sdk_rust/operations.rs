//! Converse and CountTokens answered from the scenario rules: text, usage, a tool round
//! trip, the max-tokens cut, the unscripted fallback, model ids given as profile ARNs.

use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseTokensRequest, CountTokensInput,
    InferenceConfiguration, Message, StopReason, SystemContentBlock, ToolResultBlock,
    ToolResultContentBlock, ToolResultStatus, ToolUseBlock,
};
use bedrock_local::ScenarioSet;
use serde_json::json;

use crate::messages::{
    answer_text, ask_nova, assistant, from_document, to_document, tokens, user, weather_tools,
};
use crate::{HAIKU, TestResult, client, endpoint};

#[tokio::test]
async fn converse_returns_the_scenario_text_with_usage_and_metrics() -> TestResult {
    let ep = endpoint()?;
    let out = ask_nova(&client(&ep).await, "hello there")?.send().await?;
    assert_eq!(
        answer_text(&out),
        "Hello from a scenario rule, streamed to you in several small pieces."
    );
    assert_eq!(out.stop_reason(), &StopReason::EndTurn);
    let usage = out.usage().ok_or("no usage")?;
    let (input, output) = (tokens("hello there"), tokens(&answer_text(&out)));
    assert_eq!(
        (usage.input_tokens(), usage.output_tokens()),
        (input, output)
    );
    assert_eq!(usage.total_tokens(), input + output);
    assert!(out.metrics().is_some());
    Ok(())
}

#[tokio::test]
async fn converse_tool_round_trip_calls_the_tool_then_answers_from_its_result() -> TestResult {
    let ep = endpoint()?;
    let client = client(&ep).await;
    let question = user("What's the weather in Paris?")?;
    let first = client
        .converse()
        .model_id(HAIKU)
        .messages(question.clone())
        .tool_config(weather_tools()?)
        .send()
        .await?;
    assert_eq!(first.stop_reason(), &StopReason::ToolUse);
    let message = first
        .output()
        .and_then(|o| o.as_message().ok())
        .ok_or("no message")?
        .clone();
    let tool_use: ToolUseBlock = message
        .content()
        .iter()
        .find_map(|b| b.as_tool_use().ok().cloned())
        .ok_or("no toolUse")?;
    assert_eq!(tool_use.name(), "get_weather");
    assert_eq!(
        from_document(tool_use.input()),
        json!({"location": "Paris", "unit": "celsius"})
    );
    let result = ToolResultBlock::builder()
        .tool_use_id(tool_use.tool_use_id())
        .content(ToolResultContentBlock::Json(to_document(
            &json!({"conditions": "Sunny", "temperature": 21}),
        )))
        .status(ToolResultStatus::Success)
        .build()?;
    let reply = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::ToolResult(result))
        .build()?;
    let second = client
        .converse()
        .model_id(HAIKU)
        .messages(question)
        .messages(message)
        .messages(reply)
        .tool_config(weather_tools()?)
        .send()
        .await?;
    assert_eq!(answer_text(&second), "It is sunny in Paris.");
    assert_eq!(second.stop_reason(), &StopReason::EndTurn);
    Ok(())
}

#[tokio::test]
async fn converse_cuts_at_max_tokens_and_says_so() -> TestResult {
    let ep = endpoint()?;
    let out = ask_nova(&client(&ep).await, "long answer please")?
        .inference_config(InferenceConfiguration::builder().max_tokens(5).build())
        .send()
        .await?;
    assert_eq!(answer_text(&out), "one two three four five");
    assert_eq!(out.stop_reason(), &StopReason::MaxTokens);
    assert_eq!(out.usage().map(|u| u.output_tokens()), Some(5));
    Ok(())
}

#[tokio::test]
async fn unscripted_request_gets_the_marked_fallback() -> TestResult {
    let ep = bedrock_local::start(crate::dated().scenarios(ScenarioSet::empty()))?;
    let out = ask_nova(
        &client(&ep).await,
        "Summarize in one sentence: Rust is fast. Rust is safe. Cats sleep a lot.",
    )?
    .send()
    .await?;
    assert_eq!(answer_text(&out), "[bedrock-local] Rust is fast.");
    Ok(())
}

#[tokio::test]
async fn model_given_as_profile_arn_is_resolved() -> TestResult {
    let ep = endpoint()?;
    let arn = format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{HAIKU}");
    let out = client(&ep)
        .await
        .converse()
        .model_id(arn)
        .messages(user("hello there")?)
        .send()
        .await?;
    assert_eq!(
        answer_text(&out),
        "Hello from a scenario rule, streamed to you in several small pieces."
    );
    Ok(())
}

#[tokio::test]
async fn count_tokens_agrees_with_converse_usage() -> TestResult {
    let ep = endpoint()?;
    let client = client(&ep).await;
    let question = "hello there, how many tokens is this?";
    let request = ConverseTokensRequest::builder()
        .messages(user(question)?)
        .system(SystemContentBlock::Text("Be brief.".into()))
        .build();
    // CountTokens takes the foundation-model id; Converse needs the profile for this model.
    let counted = client
        .count_tokens()
        .model_id(HAIKU.trim_start_matches("us."))
        .input(CountTokensInput::Converse(request))
        .send()
        .await?;
    let out = client
        .converse()
        .model_id(HAIKU)
        .messages(user(question)?)
        .system(SystemContentBlock::Text("Be brief.".into()))
        .send()
        .await?;
    let expected = tokens("hello there, how many tokens is this?") + tokens("Be brief.");
    assert_eq!(counted.input_tokens(), expected);
    assert_eq!(out.usage().map(|u| u.input_tokens()), Some(expected));
    Ok(())
}

/// One weather round with the built-in scenarios: the question, the model's tool call, and
/// the caller's tool result for `city`; returns the answer.
async fn weather_answer(result: serde_json::Value) -> Result<String, crate::TestError> {
    let ep = bedrock_local::start(crate::dated())?;
    let call = ContentBlock::ToolUse(
        ToolUseBlock::builder()
            .tool_use_id("tooluse_city")
            .name("get_weather")
            .input(to_document(&json!({"location": result["location"]})))
            .build()?,
    );
    let answer = ContentBlock::ToolResult(
        ToolResultBlock::builder()
            .tool_use_id("tooluse_city")
            .content(ToolResultContentBlock::Json(to_document(&result)))
            .build()?,
    );
    let out = client(&ep)
        .await
        .converse()
        .model_id(HAIKU)
        .messages(user(
            "What's the weather like there, and what should I wear?",
        )?)
        .messages(assistant(vec![call])?)
        .messages(
            Message::builder()
                .role(ConversationRole::User)
                .content(answer)
                .build()?,
        )
        .tool_config(weather_tools()?)
        .send()
        .await?;
    Ok(answer_text(&out))
}

#[tokio::test]
async fn the_shipped_weather_answer_reports_the_city_and_numbers_the_tool_returned() -> TestResult {
    let lisbon = weather_answer(
        json!({"location": "Lisbon", "temperature": 70, "condition": "Sunny", "humidity": 50}),
    )
    .await?;
    assert!(
        lisbon.contains("sunny in Lisbon right now, 70°F with 50% humidity"),
        "{lisbon}"
    );
    let seattle = weather_answer(
        json!({"location": "Seattle", "temperature": 52, "condition": "Rainy", "humidity": 90}),
    )
    .await?;
    assert!(
        seattle.contains("rainy in Seattle right now, 52°F with 90% humidity"),
        "{seattle}"
    );
    for answer in [&lisbon, &seattle] {
        assert!(!answer.contains("San Francisco") && !answer.to_lowercase().contains("fog"));
    }
    Ok(())
}
