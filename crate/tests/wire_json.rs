//! `Bedrock::to_json` shows what `send` puts on the wire: each request is shown, then sent, and
//! what the endpoint received (its journal) is compared with what was shown: as JSON always,
//! byte for byte where the SDK's own output is deterministic.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_kit::{
    Bedrock, Block, Message, Request, Role, ToolChoice, ToolResult, ToolSpec, ToolStatus, ToolUse,
};
use bedrock_local::LocalEndpoint;
use serde_json::{Value, json};

fn weather_tool() -> ToolSpec {
    ToolSpec {
        name: "get_weather".into(),
        description: "Current weather for a city".into(),
        input_schema: json!({
            "type": "object",
            "properties": {"location": {"type": "string", "description": "City name"}},
            "required": ["location"]
        }),
    }
}

/// A tool round in the history: a question, the model's call (after reasoning), the result.
fn tool_round(result: Value, status: Option<ToolStatus>) -> Request {
    Request::from_messages(vec![
        Message::user("What's the weather in Seattle?"),
        Message {
            role: Role::Assistant,
            content: vec![
                Block::Reasoning {
                    text: "The user wants the weather; call the tool.".into(),
                    signature: Some("c2lnbmF0dXJl".into()),
                },
                Block::Text("Let me check.".into()),
                Block::ToolUse(ToolUse {
                    id: "tooluse_abc".into(),
                    name: "get_weather".into(),
                    input: json!({"location": "Seattle"}),
                }),
            ],
        },
        Message {
            role: Role::User,
            content: vec![Block::ToolResult(ToolResult {
                tool_use_id: "tooluse_abc".into(),
                content: result,
                status,
            })],
        },
    ])
    .tool(weather_tool())
}

/// Every request feature the crate can send, each with the model it is sent to.
fn cases() -> Vec<(&'static str, &'static str, Request)> {
    vec![
        ("a prompt alone", "Amazon Nova Micro", Request::new("Hello")),
        (
            "every inference setting and a system prompt",
            "Amazon Nova Pro",
            Request::new("Summarise: rivers carry water to the sea.")
                .system("You are concise.")
                .temperature(0.4)
                .top_p(0.9)
                .max_tokens(500)
                .stop_sequences(&["END", "STOP"]),
        ),
        (
            "a name resolved to the region's profile, topP dropped for Claude 4.5",
            "Claude Sonnet 4.5",
            Request::new("Hello").temperature(0.7).top_p(0.9),
        ),
        (
            "a system prompt moved into the first message for a model without one",
            "Amazon Titan Text Express",
            Request::new("Hello").system("Answer in French."),
        ),
        (
            "additional model request fields",
            "Claude Haiku 4.5",
            Request::new("Hello")
                .additional_fields(json!({"top_k": 50, "nested": {"a": [1, 2.5, true, null]}})),
        ),
        (
            "a multi-turn history",
            "Amazon Nova Lite",
            Request::new("Name a river.")
                .assistant("The Nile.")
                .user("And another?"),
        ),
        (
            "tools with the automatic choice",
            "Claude Haiku 4.5",
            Request::new("What's the weather in Paris?").tool(weather_tool()),
        ),
        (
            "tools with any choice",
            "Claude Haiku 4.5",
            Request::new("What's the weather in Paris?")
                .tool(weather_tool())
                .tool_choice(ToolChoice::Any),
        ),
        (
            "tools with a named choice",
            "Claude Haiku 4.5",
            Request::new("What's the weather in Paris?")
                .tool(weather_tool())
                .tool_choice(ToolChoice::Tool("get_weather".into())),
        ),
        (
            "reasoning, text and a tool call in history, a JSON result with a status",
            "Claude Sonnet 4.5",
            tool_round(
                json!({"temperature": 52, "conditions": "Rainy"}),
                Some(ToolStatus::Success),
            ),
        ),
        (
            "a text tool result marked as an error",
            "Claude Haiku 4.5",
            tool_round(json!("unknown city"), Some(ToolStatus::Error)),
        ),
    ]
}

/// An endpoint keeping its last `keep` requests, and a handle to it.
fn journaled(keep: usize) -> (LocalEndpoint, Bedrock) {
    common::endpoint_and_handle(common::config().keep_requests(keep))
}

#[test]
fn to_json_is_what_the_endpoint_receives_for_every_request_feature() {
    let (endpoint, bedrock) = journaled(1);
    for (feature, model, request) in cases() {
        let shown = bedrock.to_json(model, &request).expect(feature);
        let before = endpoint.received();
        let reply = bedrock.send(model, &request).expect(feature);
        let received = endpoint.received();
        assert_ne!(before, received, "{feature}: send reached the endpoint");
        let received = received.last().expect("one request");

        assert_eq!(shown["modelId"], received.model_id, "{feature}: model id");
        assert_eq!(
            reply.model_id, received.model_id,
            "{feature}: the id that answered"
        );
        let mut body = shown.clone();
        body.as_object_mut()
            .expect("object")
            .shift_remove("modelId");
        assert_eq!(Some(&body), received.json().as_ref(), "{feature}: body");
        // The SDK keeps JSON documents (tool schemas and inputs, additional fields) in hash maps,
        // so their keys travel in an order that changes per call; everything else is fixed.
        let documents = request.additional_fields.is_some() || !request.tools.is_empty();
        if !documents {
            assert_eq!(
                serde_json::to_string(&body).expect("serialize"),
                String::from_utf8_lossy(&received.body),
                "{feature}: bytes"
            );
        }
    }
}

#[test]
fn to_json_sends_nothing() {
    let (endpoint, bedrock) = journaled(4);
    for (feature, model, request) in cases() {
        bedrock.to_json(model, &request).expect(feature);
    }
    assert!(endpoint.received().is_empty());
}

#[test]
fn to_json_shows_the_adaptations_send_makes() {
    let bedrock = common::local();
    let shown = bedrock
        .to_json(
            "Claude Sonnet 4.5",
            &Request::new("Hello").temperature(0.5).top_p(0.9),
        )
        .expect("to_json");
    assert_eq!(
        shown["modelId"],
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    );
    assert_eq!(shown["inferenceConfig"], json!({"temperature": 0.5}));
    let shown = bedrock
        .to_json(
            "Amazon Titan Text Express",
            &Request::new("Hello").system("Answer in French."),
        )
        .expect("to_json");
    assert!(shown.get("system").is_none(), "{shown}");
    assert_eq!(
        shown["messages"][0]["content"][0]["text"],
        "Answer in French.\n\n"
    );
}

#[test]
fn to_json_of_an_empty_request_is_the_same_clear_error_as_send() {
    let bedrock = common::local();
    let sent = bedrock
        .send("Amazon Nova Micro", &Request::default())
        .unwrap_err();
    let shown = bedrock
        .to_json("Amazon Nova Micro", &Request::default())
        .unwrap_err();
    assert_eq!(shown.to_string(), sent.to_string());
    assert!(shown.to_string().contains("add a user prompt"), "{shown}");
}
