//! Prompt caching from the kit: checkpoints go on the wire where the request puts them, the
//! rules Bedrock enforces are checked before anything is sent, and the usage Bedrock reports
//! (cache writes, then reads) reaches the reply, its cost and the handle's ledger.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_kit::{Block, CacheTtl, Error, Request, ToolSpec};
use serde_json::json;

const HAIKU: &str = "Claude Haiku 4.5";

fn tool() -> ToolSpec {
    ToolSpec {
        name: "lookup".into(),
        description: "Looks a word up".into(),
        input_schema: json!({"type": "object", "properties": {"word": {"type": "string"}}}),
    }
}

/// A system prompt far above every model's minimum cacheable prefix (4,096 tokens on Haiku 4.5).
fn long_document() -> String {
    let paragraph = "Holmes looked at the photograph for a long time, and then he put it \
                     carefully away in his pocket without a single word of explanation. ";
    paragraph.repeat(300)
}

fn prompt_cache_problem(outcome: bedrock_kit::Result<impl std::fmt::Debug>) -> String {
    match outcome {
        Err(Error::PromptCache { problem, .. }) => problem,
        other => panic!("expected a prompt-cache refusal, got {other:?}"),
    }
}

#[test]
fn checkpoints_go_on_the_wire_after_the_tools_the_system_prompt_and_the_message() {
    let bedrock = common::local();
    let request = Request::new("Which word?")
        .cache_point(CacheTtl::FiveMinutes)
        .system("You are a dictionary.")
        .cache_system(CacheTtl::OneHour)
        .tool(tool())
        .cache_tools(CacheTtl::OneHour);
    let json = bedrock.to_json(HAIKU, &request).unwrap();
    assert_eq!(
        json["toolConfig"]["tools"][1],
        json!({"cachePoint": {"type": "default", "ttl": "1h"}})
    );
    assert_eq!(
        json["system"],
        json!([{"text": "You are a dictionary."}, {"cachePoint": {"type": "default", "ttl": "1h"}}])
    );
    assert_eq!(
        json["messages"][0]["content"],
        json!([{"text": "Which word?"}, {"cachePoint": {"type": "default", "ttl": "5m"}}])
    );
    assert_eq!(
        request.messages[0].content[1],
        Block::CachePoint(CacheTtl::FiveMinutes)
    );
}

#[test]
fn five_checkpoints_are_refused_before_anything_is_sent() {
    let (endpoint, bedrock) = common::endpoint_and_handle(common::config());
    let mut request = Request::new("one").cache_point(CacheTtl::FiveMinutes);
    for text in ["two", "three", "four", "five"] {
        request = request.user(text).cache_point(CacheTtl::FiveMinutes);
    }
    let problem = prompt_cache_problem(bedrock.send(HAIKU, &request));
    assert!(problem.contains("5 cache checkpoints"), "{problem}");
    assert!(problem.contains("4"), "{problem}");
    assert!(problem.contains("remove 1"), "{problem}");
    assert_eq!(endpoint.stats().requests, 0, "nothing reached the endpoint");
}

#[test]
fn a_longer_ttl_after_a_shorter_one_is_refused_with_the_order_to_follow() {
    let bedrock = common::local();
    let request = Request::new("Q")
        .cache_point(CacheTtl::OneHour)
        .system("S")
        .cache_system(CacheTtl::FiveMinutes);
    let problem = prompt_cache_problem(bedrock.send(HAIKU, &request));
    assert!(problem.contains("longer TTLs must come first"), "{problem}");
    assert!(problem.contains("tools, system, messages"), "{problem}");
}

#[test]
fn a_ttl_or_a_section_the_model_does_not_offer_is_refused() {
    let bedrock = common::local();
    let hour = Request::new("Q").cache_point(CacheTtl::OneHour);
    let problem = prompt_cache_problem(bedrock.send("Amazon Nova Pro", &hour));
    assert!(problem.contains("1h"), "{problem}");
    let tools = Request::new("Q")
        .tool(tool())
        .cache_tools(CacheTtl::FiveMinutes);
    let problem = prompt_cache_problem(bedrock.send("Amazon Nova Pro", &tools));
    assert!(problem.contains("tools"), "{problem}");
    assert!(problem.contains("system or messages"), "{problem}");
}

#[test]
fn a_checkpoint_for_a_model_without_prompt_caching_is_refused() {
    let bedrock = common::local();
    let request = Request::new("Q").cache_point(CacheTtl::FiveMinutes);
    let problem = prompt_cache_problem(bedrock.send("Meta Llama 3.1 70B Instruct", &request));
    assert!(problem.contains("no prompt caching"), "{problem}");
}

#[test]
fn a_checkpoint_after_missing_tools_or_system_prompt_says_what_is_missing() {
    let bedrock = common::local();
    let no_tools = Request::new("Q").cache_tools(CacheTtl::FiveMinutes);
    assert!(prompt_cache_problem(bedrock.send(HAIKU, &no_tools)).contains("no tools"));
    let no_system = Request::new("Q").cache_system(CacheTtl::FiveMinutes);
    assert!(prompt_cache_problem(bedrock.send(HAIKU, &no_system)).contains("system prompt"));
}

#[test]
fn a_repeated_long_prefix_is_written_once_then_read_and_costs_less() {
    let bedrock = common::local();
    let request = Request::new("Who is the woman?")
        .system(&long_document())
        .cache_system(CacheTtl::FiveMinutes);
    let first = bedrock.send(HAIKU, &request).unwrap();
    let second = bedrock.send(HAIKU, &request).unwrap();
    assert!(first.usage.cache_write > 4_096, "{:?}", first.usage);
    assert_eq!(first.usage.cache_read, 0);
    assert_eq!(second.usage.cache_read, first.usage.cache_write);
    assert_eq!(second.usage.cache_write, 0);
    assert_eq!(first.usage.prompt(), second.usage.prompt());
    let (first_cost, second_cost) = (first.cost.unwrap(), second.cost.unwrap());
    assert!(first_cost.cache_write > 0.0 && second_cost.cache_read > 0.0);
    assert!(second_cost.total() < first_cost.total() / 2.0);
    assert!(
        second.summary().contains("prompt cache:"),
        "{}",
        second.summary()
    );

    let costs = bedrock.costs();
    assert_eq!(costs.rows.len(), 1);
    assert_eq!(costs.rows[0].calls, 2);
    assert_eq!(costs.rows[0].usage.cache_read, first.usage.cache_write);
    let sum = first_cost.total() + second_cost.total();
    assert!((costs.total().total() - sum).abs() < 1e-12);
}

#[test]
fn a_streamed_answer_reports_the_same_cache_usage_as_converse() {
    let bedrock = common::local();
    let request = Request::new("Who is the woman?")
        .system(&long_document())
        .cache_system(CacheTtl::FiveMinutes);
    let written = bedrock.stream(HAIKU, &request).unwrap();
    let read = bedrock.stream(HAIKU, &request).unwrap();
    assert!(written.usage.cache_write > 4_096, "{:?}", written.usage);
    assert_eq!(read.usage.cache_read, written.usage.cache_write);
    assert_eq!(read.usage.input, written.usage.input);
    assert!(read.cost.unwrap().total() < written.cost.unwrap().total());
}

#[test]
fn a_checkpoint_below_the_minimum_prefix_is_accepted_and_caches_nothing() {
    let bedrock = common::local();
    let request = Request::new("Short?")
        .system("A short system prompt.")
        .cache_system(CacheTtl::FiveMinutes);
    let reply = bedrock.send(HAIKU, &request).unwrap();
    assert_eq!((reply.usage.cache_write, reply.usage.cache_read), (0, 0));
    let again = bedrock.send(HAIKU, &request).unwrap();
    assert_eq!((again.usage.cache_write, again.usage.cache_read), (0, 0));
}
