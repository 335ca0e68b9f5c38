//! ConverseStream: text deltas, tool input fragments, reasoning, and the collector the
//! stream tests (here and in `faults`) read events with.

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ContentBlockDelta, ContentBlockStart, ConverseStreamOutput, Message,
    ReasoningContentBlockDelta, StopReason, ToolConfiguration,
};
use serde_json::{Value, json};

use crate::messages::{tokens, user, weather_tools};
use crate::{HAIKU, NOVA, SONNET, TestError, TestResult, client, endpoint};

/// Everything a ConverseStream delivered, until the end or the first error.
#[derive(Debug, Default)]
pub(crate) struct Streamed {
    pub(crate) text: String,
    pub(crate) reasoning: String,
    pub(crate) text_deltas: usize,
    pub(crate) tool_starts: Vec<(String, String)>,
    pub(crate) tool_input: String,
    pub(crate) stop: Option<StopReason>,
    pub(crate) usage: Option<(i32, i32)>,
    pub(crate) events: usize,
    pub(crate) error: Option<String>,
}

pub(crate) async fn collect_stream(
    client: &Client,
    model: &str,
    message: Message,
    tools: Option<ToolConfiguration>,
) -> Result<Streamed, TestError> {
    let mut output = client
        .converse_stream()
        .model_id(model)
        .messages(message)
        .set_tool_config(tools)
        .send()
        .await?;
    let mut s = Streamed::default();
    loop {
        match output.stream.recv().await {
            Ok(Some(event)) => {
                s.events += 1;
                match event {
                    ConverseStreamOutput::ContentBlockDelta(d) => match d.delta() {
                        Some(ContentBlockDelta::Text(t)) => {
                            s.text.push_str(t);
                            s.text_deltas += 1;
                        }
                        Some(ContentBlockDelta::ToolUse(t)) => s.tool_input.push_str(t.input()),
                        Some(ContentBlockDelta::ReasoningContent(
                            ReasoningContentBlockDelta::Text(t),
                        )) => s.reasoning.push_str(t),
                        _ => {}
                    },
                    ConverseStreamOutput::ContentBlockStart(start) => {
                        if let Some(ContentBlockStart::ToolUse(t)) = start.start() {
                            s.tool_starts
                                .push((t.tool_use_id().to_string(), t.name().to_string()));
                        }
                    }
                    ConverseStreamOutput::MessageStop(stop) => {
                        s.stop = Some(stop.stop_reason().clone())
                    }
                    ConverseStreamOutput::Metadata(m) => {
                        s.usage = m.usage().map(|u| (u.input_tokens(), u.output_tokens()))
                    }
                    _ => {}
                }
            }
            Ok(None) => return Ok(s),
            Err(SdkError::ServiceError(e)) => {
                s.error = Some(match e.err() {
                    ConverseStreamOutputError::ModelStreamErrorException(x) => format!(
                        "ModelStreamErrorException: {}",
                        x.message().unwrap_or_default()
                    ),
                    other => format!("other: {other:?}"),
                });
                return Ok(s);
            }
            Err(other) => return Err(other.into()),
        }
    }
}

#[tokio::test]
async fn converse_stream_delivers_text_in_several_deltas_then_stop_and_usage() -> TestResult {
    let ep = endpoint()?;
    let s = collect_stream(&client(&ep).await, NOVA, user("hello there")?, None).await?;
    assert_eq!(
        s.text,
        "Hello from a scenario rule, streamed to you in several small pieces."
    );
    assert!(s.text_deltas >= 5, "{s:?}");
    assert_eq!(s.stop, Some(StopReason::EndTurn));
    assert_eq!(s.usage, Some((tokens("hello there"), tokens(&s.text))));
    assert_eq!(s.error, None);
    Ok(())
}

#[tokio::test]
async fn converse_stream_streams_tool_input_as_json_fragments() -> TestResult {
    let ep = endpoint()?;
    let s = collect_stream(
        &client(&ep).await,
        HAIKU,
        user("Weather in Paris?")?,
        Some(weather_tools()?),
    )
    .await?;
    assert_eq!(s.text, "Let me check.");
    assert_eq!(s.tool_starts.len(), 1);
    assert_eq!(s.tool_starts[0].1, "get_weather");
    let input: Value = serde_json::from_str(&s.tool_input)?;
    assert_eq!(input, json!({"location": "Paris", "unit": "celsius"}));
    assert_eq!(s.stop, Some(StopReason::ToolUse));
    Ok(())
}

#[tokio::test]
async fn converse_stream_sends_reasoning_before_the_text() -> TestResult {
    let ep = endpoint()?;
    let s = collect_stream(
        &client(&ep).await,
        SONNET,
        user("think first: 6 x 7?")?,
        None,
    )
    .await?;
    assert_eq!(s.reasoning, "Six times seven is forty-two.");
    assert_eq!(s.text, "The answer is 42.");
    Ok(())
}
