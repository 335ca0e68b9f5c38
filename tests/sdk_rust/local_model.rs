//! The endpoint backed by a real OpenAI-compatible model server (see `support/llama.rs`):
//! Converse, ConverseStream, a tool round, the native InvokeModel bodies, and the server's
//! failures, each judged by the official SDK. The tiny model's words are nonsense, so the tests
//! check what the protocol promises (blocks, stop reasons, usage, errors), never the words.

use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::converse::ConverseError;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ConverseStreamOutput, InferenceConfiguration, ResponseStream,
    SpecificToolChoice, StopReason, Tool, ToolChoice, ToolConfiguration, ToolInputSchema,
    ToolResultBlock, ToolResultContentBlock, ToolResultStatus, ToolSpecification, ToolUseBlock,
};
use bedrock_local::{Backend, LocalEndpoint, ModelMap};
use serde_json::{Value, json};

use crate::llama::{self, Server};
use crate::messages::{answer_text, assistant, from_document, refusal, to_document, user};
use crate::{HAIKU, NOVA, TestError, TestResult, client, dated};

/// An endpoint whose every model maps to `server`'s model (built-in rules: the demos only).
fn backed_by(server: &Server) -> Result<LocalEndpoint, TestError> {
    let backend = Backend::openai(&server.url)?.model_map(ModelMap::new(&server.model));
    Ok(bedrock_local::start(dated().backend(backend))?)
}

/// The shared server and an endpoint in front of it.
fn shared_endpoint() -> Result<(Server, LocalEndpoint), TestError> {
    let server = llama::shared()?;
    let endpoint = backed_by(&server)?;
    Ok((server, endpoint))
}

fn limit(tokens: i32) -> InferenceConfiguration {
    InferenceConfiguration::builder()
        .max_tokens(tokens)
        .temperature(0.7)
        .build()
}

/// A tool whose one argument is an enum, so that the server's grammar for a forced call always
/// ends, whatever a random model prefers.
fn city_tool(choice: Option<ToolChoice>) -> Result<ToolConfiguration, TestError> {
    let schema = json!({
        "type": "object",
        "properties": {"city": {"type": "string", "enum": ["Paris", "Berlin"]}},
        "required": ["city"]
    });
    let spec = ToolSpecification::builder()
        .name("get_weather")
        .description("Current weather of a city")
        .input_schema(ToolInputSchema::Json(to_document(&schema)))
        .build()?;
    Ok(ToolConfiguration::builder()
        .tools(Tool::ToolSpec(spec))
        .set_tool_choice(choice)
        .build()?)
}

/// A ConverseStream call, opened.
async fn open_stream(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    message: aws_sdk_bedrockruntime::types::Message,
    max_tokens: i32,
    tools: Option<ToolConfiguration>,
) -> Result<aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamOutput, TestError> {
    Ok(client
        .converse_stream()
        .model_id(model)
        .messages(message)
        .inference_config(limit(max_tokens))
        .set_tool_config(tools)
        .send()
        .await?)
}

fn forced() -> Result<ToolChoice, TestError> {
    Ok(ToolChoice::Tool(
        SpecificToolChoice::builder().name("get_weather").build()?,
    ))
}

#[tokio::test]
async fn converse_answers_with_the_local_models_words_stop_reason_and_token_counts() -> TestResult {
    let (_server, ep) = shared_endpoint()?;
    let out = client(&ep)
        .await
        .converse()
        .model_id(HAIKU)
        .system(aws_sdk_bedrockruntime::types::SystemContentBlock::Text(
            "Be brief.".into(),
        ))
        .messages(user("Say something about Rust.")?)
        .inference_config(limit(12))
        .send()
        .await?;
    let text = answer_text(&out);
    assert!(
        !text.is_empty() && !text.contains("[bedrock-local]"),
        "{text:?}"
    );
    // The random model never ends by itself: it runs to maxTokens, as the server counts them.
    assert_eq!(out.stop_reason(), &StopReason::MaxTokens);
    let usage = out.usage().ok_or("no usage")?;
    assert_eq!(usage.output_tokens(), 12);
    assert!(usage.input_tokens() > 0);
    assert_eq!(usage.total_tokens(), usage.input_tokens() + 12);
    assert!(out.metrics().is_some());
    Ok(())
}

#[tokio::test]
async fn converse_stream_passes_on_the_models_text_deltas_then_stop_and_usage() -> TestResult {
    let (_server, ep) = shared_endpoint()?;
    let mut output = open_stream(
        &client(&ep).await,
        NOVA,
        user("Tell me about the weather.")?,
        24,
        None,
    )
    .await?;
    let (mut names, mut text, mut deltas, mut stop, mut usage) =
        (Vec::new(), String::new(), 0, None, None);
    while let Some(event) = output.stream.recv().await? {
        names.push(match &event {
            ConverseStreamOutput::MessageStart(_) => "messageStart",
            ConverseStreamOutput::ContentBlockDelta(d) => {
                if let Some(ContentBlockDelta::Text(t)) = d.delta() {
                    text.push_str(t);
                    deltas += 1;
                }
                "contentBlockDelta"
            }
            ConverseStreamOutput::ContentBlockStop(_) => "contentBlockStop",
            ConverseStreamOutput::MessageStop(s) => {
                stop = Some(s.stop_reason().clone());
                "messageStop"
            }
            ConverseStreamOutput::Metadata(m) => {
                usage = m.usage().map(|u| (u.input_tokens(), u.output_tokens()));
                assert!(m.metrics().is_some());
                "metadata"
            }
            _ => "other",
        });
    }
    assert!(deltas >= 2 && !text.is_empty(), "{names:?}");
    assert_eq!(names.first(), Some(&"messageStart"));
    assert_eq!(
        &names[names.len() - 3..],
        &["contentBlockStop", "messageStop", "metadata"]
    );
    assert_eq!(stop, Some(StopReason::MaxTokens));
    // llama-cpp-python streams no usage: the endpoint counts one token per chunk with output.
    let (input, output_tokens) = usage.ok_or("no usage")?;
    assert!(input > 0);
    assert_eq!(output_tokens, deltas);
    Ok(())
}

#[tokio::test]
async fn a_forced_tool_call_comes_back_as_tool_use_and_its_result_goes_back_to_the_model()
-> TestResult {
    let (_server, ep) = shared_endpoint()?;
    let client = client(&ep).await;
    let question = user("What is the weather in Paris?")?;
    let out = client
        .converse()
        .model_id(HAIKU)
        .messages(question.clone())
        .tool_config(city_tool(Some(forced()?))?)
        .inference_config(limit(60))
        .send()
        .await?;
    assert_eq!(out.stop_reason(), &StopReason::ToolUse);
    let message = out
        .output()
        .ok_or("no output")?
        .as_message()
        .map_err(|_| "no message")?;
    let call = message
        .content()
        .iter()
        .find_map(|b| b.as_tool_use().ok())
        .ok_or("no toolUse block")?;
    assert_eq!(call.name(), "get_weather");
    let city = from_document(call.input())["city"].clone();
    assert!(city == "Paris" || city == "Berlin", "{city}");

    // The same forced call streamed: a contentBlockStart, then input fragments that parse.
    let mut stream = open_stream(
        &client,
        HAIKU,
        question.clone(),
        60,
        Some(city_tool(Some(forced()?))?),
    )
    .await?;
    let (mut starts, mut input, mut fragments, mut stop) = (Vec::new(), String::new(), 0, None);
    while let Some(event) = stream.stream.recv().await? {
        match event {
            ConverseStreamOutput::ContentBlockStart(s) => {
                if let Some(aws_sdk_bedrockruntime::types::ContentBlockStart::ToolUse(t)) =
                    s.start()
                {
                    starts.push(t.name().to_string());
                }
            }
            ConverseStreamOutput::ContentBlockDelta(d) => {
                if let Some(ContentBlockDelta::ToolUse(t)) = d.delta() {
                    input.push_str(t.input());
                    fragments += 1;
                }
            }
            ConverseStreamOutput::MessageStop(s) => stop = Some(s.stop_reason().clone()),
            _ => {}
        }
    }
    assert_eq!(starts, ["get_weather"]);
    assert!(fragments >= 2, "{fragments} fragments");
    let streamed: Value = serde_json::from_str(&input)?;
    assert!(
        streamed["city"] == "Paris" || streamed["city"] == "Berlin",
        "{streamed}"
    );
    assert_eq!(stop, Some(StopReason::ToolUse));

    // The round: the call and a failed result (status error) go back; the model answers again.
    let result = ToolResultBlock::builder()
        .tool_use_id(call.tool_use_id())
        .content(ToolResultContentBlock::Text(
            "the weather service is down".into(),
        ))
        .status(ToolResultStatus::Error)
        .build()?;
    let use_block = ToolUseBlock::builder()
        .tool_use_id(call.tool_use_id())
        .name(call.name())
        .input(call.input().clone())
        .build()?;
    let answer = client
        .converse()
        .model_id(HAIKU)
        .messages(question)
        .messages(assistant(vec![ContentBlock::ToolUse(use_block)])?)
        .messages(
            aws_sdk_bedrockruntime::types::Message::builder()
                .role(aws_sdk_bedrockruntime::types::ConversationRole::User)
                .content(ContentBlock::ToolResult(result))
                .build()?,
        )
        .tool_config(city_tool(None)?)
        .inference_config(limit(16))
        .send()
        .await?;
    assert!(
        matches!(
            answer.stop_reason(),
            StopReason::MaxTokens | StopReason::EndTurn | StopReason::ToolUse
        ),
        "{:?}",
        answer.stop_reason()
    );
    Ok(())
}

#[tokio::test]
async fn invoke_model_answers_every_family_in_its_native_body_from_the_model() -> TestResult {
    let (_server, ep) = shared_endpoint()?;
    let client = client(&ep).await;
    let prompt = "native hello";
    let cases = [
        (
            HAIKU,
            anthropic_body(prompt),
            "/content/0/text",
            "/stop_reason",
            "max_tokens",
        ),
        (
            NOVA,
            json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": prompt}]}], "inferenceConfig": {"maxTokens": 8}}),
            "/output/message/content/0/text",
            "/stopReason",
            "max_tokens",
        ),
        (
            "us.meta.llama3-1-70b-instruct-v1:0",
            json!({"prompt": format!("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"), "max_gen_len": 8}),
            "/generation",
            "/stop_reason",
            "length",
        ),
        (
            "us.deepseek.r1-v1:0",
            json!({"prompt": format!("<｜begin▁of▁sentence｜><｜User｜>{prompt}<｜Assistant｜><think>\n"), "max_tokens": 8}),
            "/choices/0/text",
            "/choices/0/stop_reason",
            "length",
        ),
        (
            "amazon.titan-text-express-v1",
            json!({"inputText": prompt, "textGenerationConfig": {"maxTokenCount": 8}}),
            "/results/0/outputText",
            "/results/0/completionReason",
            "LENGTH",
        ),
        (
            "mistral.mistral-large-2402-v1:0",
            json!({"prompt": format!("<s>[INST] {prompt} [/INST]"), "max_tokens": 8}),
            "/outputs/0/text",
            "/outputs/0/stop_reason",
            "length",
        ),
    ];
    for (model, body, text_at, stop_at, stop) in cases {
        let out = client
            .invoke_model()
            .model_id(model)
            .content_type("application/json")
            .body(Blob::new(serde_json::to_vec(&body)?))
            .send()
            .await?;
        let answer: Value = serde_json::from_slice(out.body().as_ref())?;
        let text = answer
            .pointer(text_at)
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(
            !text.is_empty() && !text.contains("[bedrock-local]"),
            "{model}: {answer}"
        );
        assert_eq!(
            answer.pointer(stop_at),
            Some(&json!(stop)),
            "{model}: {answer}"
        );
    }
    // And streamed: Anthropic's chunks, ending with the invocation metrics.
    let mut out = client
        .invoke_model_with_response_stream()
        .model_id(HAIKU)
        .content_type("application/json")
        .body(Blob::new(serde_json::to_vec(&anthropic_body(prompt))?))
        .send()
        .await?;
    let mut types = Vec::new();
    let mut metrics = None;
    while let Some(event) = out.body.recv().await? {
        if let ResponseStream::Chunk(part) = event {
            let chunk: Value = serde_json::from_slice(part.bytes().ok_or("no bytes")?.as_ref())?;
            types.push(chunk["type"].as_str().unwrap_or_default().to_string());
            if let Some(m) = chunk.get("amazon-bedrock-invocationMetrics") {
                metrics = Some(m.clone());
            }
        }
    }
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));
    assert_eq!(metrics.ok_or("no metrics")?["outputTokenCount"], 8);
    Ok(())
}

/// An Anthropic Messages body asking for 8 tokens.
fn anthropic_body(prompt: &str) -> Value {
    json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 8, "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}]})
}

/// Streams a long answer from `server`'s model through a fresh endpoint, calls `at_first_text`
/// once the first text arrives, and returns the text that arrived and the message of the
/// `ModelStreamErrorException` the stream ended with (an error if it ended any other way).
async fn stream_broken_by(
    server: &Server,
    mut at_first_text: impl FnMut(),
) -> Result<(String, String), TestError> {
    let ep = backed_by(server)?;
    let mut output = open_stream(
        &client(&ep).await,
        HAIKU,
        user("Write a long story.")?,
        1800,
        None,
    )
    .await?;
    let mut text = String::new();
    let failure = loop {
        match output.stream.recv().await {
            Ok(Some(ConverseStreamOutput::ContentBlockDelta(d))) => {
                if let Some(ContentBlockDelta::Text(t)) = d.delta() {
                    if text.is_empty() {
                        at_first_text();
                    }
                    text.push_str(t);
                }
            }
            Ok(Some(ConverseStreamOutput::MessageStop(stop))) => {
                return Err(format!("the broken stream ended as {:?}", stop.stop_reason()).into());
            }
            Ok(Some(_)) => {}
            Ok(None) => return Err("the stream ended without an error".into()),
            Err(SdkError::ServiceError(e)) => break e.into_err(),
            Err(other) => return Err(other.into()),
        }
    };
    let ConverseStreamOutputError::ModelStreamErrorException(e) = failure else {
        return Err(format!("not a ModelStreamErrorException: {failure:?}").into());
    };
    Ok((text, e.message().unwrap_or_default().to_string()))
}

#[tokio::test]
async fn a_server_stopped_mid_stream_ends_the_stream_with_a_model_stream_error_after_the_partial_answer()
-> TestResult {
    if llama::external().is_some() {
        eprintln!("skipped: BEDROCK_TEST_OPENAI_URL names a server this test must not stop");
        return Ok(());
    }
    let mut started = llama::start()?;
    let server = started.server.clone();
    // Events arrive while the model is still writing: kill the server after the first text.
    let (text, message) = stream_broken_by(&server, || started.kill()).await?;
    assert!(
        message.contains(&server.url) && message.contains("did not finish"),
        "{message}"
    );
    assert!(!text.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_stream_the_server_cuts_short_for_another_request_is_a_model_stream_error_not_end_turn()
-> TestResult {
    if llama::external().is_some() {
        return Ok(());
    }
    // llama-cpp-python's default: a new request ends the stream in progress.
    let started = llama::start_with(&["--interrupt_requests", "true"])?;
    let mut interloper = None;
    let (_, message) = stream_broken_by(&started.server, || {
        let server = started.server.clone();
        interloper = Some(std::thread::spawn(move || llama::ask_directly(&server)));
    })
    .await?;
    assert!(message.contains("did not finish"), "{message}");
    let answer = interloper
        .ok_or("no text arrived")?
        .join()
        .map_err(|_| "the second request panicked")??;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    Ok(())
}

/// What an endpoint with `backend` answers to a plain Converse call, which it must refuse.
async fn refusal_with(backend: Backend) -> Result<ConverseError, TestError> {
    let ep = bedrock_local::start(dated().backend(backend))?;
    let result = client(&ep)
        .await
        .converse()
        .model_id(NOVA)
        .messages(user("hello")?)
        .send()
        .await;
    refusal(result)
}

#[tokio::test]
async fn a_bedrock_model_mapped_to_a_model_the_server_lacks_is_a_model_error_naming_both()
-> TestResult {
    let server = llama::shared()?;
    let backend = Backend::openai(&server.url)?.model_map(ModelMap::new("no-such-model"));
    let ConverseError::ModelErrorException(e) = refusal_with(backend).await? else {
        return Err("not a ModelErrorException".into());
    };
    let message = e.message().unwrap_or_default();
    assert!(
        message.contains("\"no-such-model\"") && message.contains(&server.model),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn a_server_that_is_not_running_is_service_unavailable_with_the_cause() -> TestResult {
    // Nothing listens on a port that was just free.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let ConverseError::ServiceUnavailableException(e) =
        refusal_with(Backend::openai(&url)?).await?
    else {
        return Err("not a ServiceUnavailableException".into());
    };
    let message = e.message().unwrap_or_default();
    assert!(
        message.contains(&url) && message.contains("not reachable"),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn scenario_faults_and_bedrock_validation_come_before_the_model() -> TestResult {
    let (_server, ep) = shared_endpoint()?;
    let client = client(&ep).await;
    let throttled = client
        .converse()
        .model_id(NOVA)
        .messages(user("[demo:throttle-always] hello")?)
        .send()
        .await;
    assert!(matches!(
        refusal(throttled)?,
        ConverseError::ThrottlingException(_)
    ));
    let too_long = client
        .converse()
        .model_id(NOVA)
        .messages(user("hello")?)
        .inference_config(
            InferenceConfiguration::builder()
                .max_tokens(1_000_000)
                .build(),
        )
        .send()
        .await;
    let ConverseError::ValidationException(e) = refusal(too_long)? else {
        return Err("not a ValidationException".into());
    };
    assert!(
        e.message()
            .unwrap_or_default()
            .starts_with("The maximum tokens you requested exceeds the model limit")
    );
    Ok(())
}

#[tokio::test]
async fn the_kit_says_which_local_model_answered_and_keeps_a_broken_streams_partial_answer()
-> TestResult {
    let server = llama::shared()?;
    let ep = backed_by(&server)?;
    let keys = ep.credentials().clone();
    let url = ep.endpoint_url();
    let reply = tokio::task::spawn_blocking(move || -> Result<bedrock_kit::Reply, TestError> {
        let bedrock = bedrock_kit::Bedrock::at_endpoint(
            &url,
            "us-east-1",
            &keys.access_key_id,
            &keys.secret_access_key,
        )?;
        Ok(bedrock.send(
            "Claude Haiku 4.5",
            &bedrock_kit::Request::new("hello").max_tokens(6),
        )?)
    })
    .await??;
    let answered_by = format!("{} via {}", server.model, server.url);
    assert_eq!(reply.local_model.as_deref(), Some(answered_by.as_str()));
    assert!(
        reply.summary().contains(&format!(
            "answered by {answered_by} (a local model standing in for"
        )),
        "{}",
        reply.summary()
    );
    assert!(
        reply.to_string().starts_with(&format!(
            "── {answered_by} (for us.anthropic.claude-haiku-4-5"
        )),
        "{reply}"
    );

    if llama::external().is_some() {
        return Ok(());
    }
    let doomed = llama::start()?;
    let doomed_model = format!("{} via {}", doomed.server.model, doomed.server.url);
    let ep = backed_by(&doomed.server)?;
    let keys = ep.credentials().clone();
    let url = ep.endpoint_url();
    let killer = doomed.kill_once_answering();
    let streamed = tokio::task::spawn_blocking(
        move || -> Result<bedrock_kit::Result<bedrock_kit::Reply>, TestError> {
            let bedrock = bedrock_kit::Bedrock::at_endpoint(
                &url,
                "us-east-1",
                &keys.access_key_id,
                &keys.secret_access_key,
            )?
            .with_settings(bedrock_kit::Settings::default().echo(false));
            Ok(bedrock.stream(
                "Claude Haiku 4.5",
                &bedrock_kit::Request::new("Write a long story.").max_tokens(1800),
            ))
        },
    )
    .await??;
    assert!(
        killer.join().map_err(|_| "the killer thread panicked")?,
        "the server got no request"
    );
    let Err(bedrock_kit::Error::StreamInterrupted { code, partial, .. }) = streamed else {
        return Err(format!("not an interrupted stream: {streamed:?}").into());
    };
    assert_eq!(code, "ModelStreamErrorException");
    assert!(!partial.text.is_empty());
    assert_eq!(partial.local_model.as_deref(), Some(doomed_model.as_str()));
    Ok(())
}

#[tokio::test]
async fn the_kit_reports_a_server_that_is_down_as_a_local_model_failure_not_a_throttle()
-> TestResult {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let ep = bedrock_local::start(dated().backend(Backend::openai(&url)?))?;
    let keys = ep.credentials().clone();
    let endpoint = ep.endpoint_url();
    let failed = tokio::task::spawn_blocking(move || -> Result<bedrock_kit::Error, TestError> {
        let bedrock = bedrock_kit::Bedrock::at_endpoint(
            &endpoint,
            "us-east-1",
            &keys.access_key_id,
            &keys.secret_access_key,
        )?;
        bedrock
            .ask("Amazon Nova Micro", "hello")
            .err()
            .ok_or_else(|| "the call succeeded".into())
    })
    .await??;
    assert_eq!(failed.code(), Some("ServiceUnavailableException"));
    assert!(
        matches!(failed, bedrock_kit::Error::LocalModel { .. }),
        "{failed:?}"
    );
    let shown = failed.to_string();
    assert!(
        shown.starts_with("the local model server could not answer for amazon.nova-micro-v1:0")
            && shown.contains(&url)
            && shown.contains("ollama serve")
            && !shown.contains("Service Quotas"),
        "{shown}"
    );
    Ok(())
}
