//! Reasoning from the kit: thinking turned on with a budget and the rules that come with it,
//! reasoning kept apart from the answer (and sent back unchanged in a tool loop), and a model
//! that always reasons kept from seeing its own reasoning in the history.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_kit::tools::{ToolBox, Weather};
use bedrock_kit::{Block, Conversation, Error, Request};

const CLAUDE: &str = "Claude Sonnet 4.5";

#[test]
fn thinking_returns_signed_reasoning_before_the_answer() {
    let bedrock = common::local();
    let request =
        Request::new("A bat and a ball cost 1.10 together; the bat costs 1.00 more. The ball?")
            .thinking(2048)
            .max_tokens(4096);
    let json = bedrock.to_json(CLAUDE, &request).unwrap();
    assert_eq!(
        json["additionalModelRequestFields"]["thinking"],
        serde_json::json!({"type": "enabled", "budget_tokens": 2048})
    );
    let reply = bedrock.send(CLAUDE, &request).unwrap();
    assert!(reply.reasoning.as_deref().is_some_and(|r| !r.is_empty()));
    match &reply.content[0] {
        Block::Reasoning { signature, .. } => assert!(signature.is_some(), "unsigned reasoning"),
        other => panic!("the answer should start with its reasoning, not {other:?}"),
    }
    assert!(
        reply.summary().contains("reasoning:"),
        "{}",
        reply.summary()
    );
    assert!(
        reply
            .to_html()
            .contains("<details><summary>reasoning</summary>")
    );
}

#[test]
fn thinking_drops_a_changed_temperature_and_raises_max_tokens_and_says_so() {
    let bedrock = common::local();
    let request = Request::new("Think about it.")
        .thinking(2048)
        .temperature(0.2)
        .max_tokens(1000);
    let reply = bedrock.send(CLAUDE, &request).unwrap();
    assert!(
        reply.adjustments.iter().any(|a| a.contains("temperature")),
        "{:?}",
        reply.adjustments
    );
    assert!(
        reply.adjustments.iter().any(|a| a.contains("maxTokens")),
        "{:?}",
        reply.adjustments
    );
}

#[test]
fn a_budget_below_the_minimum_or_a_model_without_thinking_is_refused_before_sending() {
    let (endpoint, bedrock) = common::endpoint_and_handle(common::config());
    let small = Request::new("Q").thinking(500).max_tokens(4096);
    let error = bedrock
        .send(CLAUDE, &small)
        .expect_err("a 500-token budget");
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(
        error.to_string().contains("1024") || error.to_string().contains("1,024"),
        "{error}"
    );
    let nova = bedrock.send("Amazon Nova Micro", &Request::new("Q").thinking(2048));
    assert!(
        matches!(nova, Err(Error::InvalidRequest { .. })),
        "{nova:?}"
    );
    assert_eq!(endpoint.stats().requests, 0, "nothing was sent");
}

#[test]
fn a_streamed_answer_shows_its_reasoning_and_keeps_the_signature() {
    let bedrock = common::local();
    let request = Request::new("Explain step by step.")
        .thinking(2048)
        .max_tokens(4096);
    let reply = bedrock.stream(CLAUDE, &request).unwrap();
    assert!(reply.reasoning.is_some());
    assert!(
        matches!(
            &reply.content[0],
            Block::Reasoning {
                signature: Some(_),
                ..
            }
        ),
        "{:?}",
        reply.content
    );
    assert!(!reply.text.is_empty());
}

#[test]
fn a_tool_loop_with_thinking_sends_the_signed_reasoning_back_and_is_accepted() {
    let bedrock = common::local();
    let request = Request::new("What's the weather in Seattle?")
        .thinking(2048)
        .max_tokens(4096);
    let run = bedrock
        .run_tools(CLAUDE, &request, &ToolBox::new().with(Weather))
        .unwrap();
    assert!(run.rounds >= 1, "{run:?}");
    assert!(run.finished(), "{run:?}");
    assert!(!run.answer.is_empty());
    // The assistant turn that called the tool went back with its signed reasoning.
    let called = run
        .messages
        .iter()
        .find(|m| !m.tool_uses().is_empty())
        .unwrap();
    assert!(
        matches!(
            &called.content[0],
            Block::Reasoning {
                signature: Some(_),
                ..
            }
        ),
        "{called:?}"
    );
}

#[test]
fn a_model_that_always_reasons_never_gets_its_reasoning_back_in_the_history() {
    let bedrock = common::local();
    let mut chat = Conversation::new()
        .model("DeepSeek-R1")
        .user("What is 2 + 2?");
    let first = bedrock.chat(&mut chat).unwrap();
    assert!(first.reasoning.is_some(), "DeepSeek-R1 reasons by default");
    chat.push_user("And times 3?");
    let second = bedrock.chat(&mut chat).unwrap();
    assert!(
        second
            .adjustments
            .iter()
            .any(|a| a.contains("reasoning out of the history")),
        "{:?}",
        second.adjustments
    );
}
