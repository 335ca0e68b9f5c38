//! The session behind a handle: one worker, one connection pool, reused by every kind of call
//! and by every clone, and stopped with the last clone.
//!
//! The tests here take one lock each, so that counting the process's session threads sees only
//! the test's own.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use std::sync::{Mutex, MutexGuard, PoisonError};

use bedrock_kit::tools::{ToolBox, Weather};
use bedrock_kit::{Bedrock, Request, Tool, ToolError};
use bedrock_local::LocalEndpoint;
use serde_json::{Value, json};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An endpoint and a handle to it.
fn endpoint_and_handle() -> (LocalEndpoint, Bedrock) {
    common::endpoint_and_handle(common::config())
}

/// Threads of this process named as the session's worker (Linux keeps 15 bytes of a name).
fn session_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == "bedrock-kit ses")
        .count()
}

#[test]
fn a_hundred_calls_through_one_handle_open_at_most_two_connections() {
    let _serial = serial();
    let (endpoint, bedrock) = endpoint_and_handle();
    for n in 0..100 {
        let reply = bedrock
            .ask("Amazon Nova Micro", &format!("call {n}"))
            .expect("call");
        assert!(
            reply.local,
            "call {n} is not marked as the local endpoint's"
        );
    }
    let stats = endpoint.stats();
    assert_eq!(stats.requests, 100);
    assert!(
        stats.connections_accepted <= 2,
        "{} connections for 100 calls",
        stats.connections_accepted
    );
}

#[test]
fn clones_with_other_settings_share_the_connections() {
    let _serial = serial();
    let (endpoint, bedrock) = endpoint_and_handle();
    bedrock
        .ask("Amazon Nova Micro", "first")
        .expect("first call");
    let patient = bedrock
        .clone()
        .with_settings(common::quick().max_attempts(5));
    for n in 0..10 {
        patient
            .ask("Amazon Nova Micro", &format!("clone {n}"))
            .expect("call through the clone");
    }
    assert_eq!(endpoint.stats().requests, 11);
    assert_eq!(endpoint.stats().connections_accepted, 1);
}

#[test]
fn stream_run_tools_and_compare_reuse_the_pool() {
    let _serial = serial();
    let (endpoint, bedrock) = endpoint_and_handle();
    let models = bedrock_kit::workshop_model_names();
    let first = bedrock.compare(&models, &Request::new("Hello"));
    assert_eq!(first.replies().len(), models.len(), "{first}");
    // compare calls the models side by side: one connection each, at most.
    let opened = endpoint.stats().connections_accepted;
    assert!(opened as usize <= models.len(), "{opened} connections");

    for n in 0..5 {
        let reply = bedrock
            .stream("Amazon Nova Micro", &Request::new(format!("stream {n}")))
            .expect("stream");
        assert!(!reply.text.is_empty());
    }
    let run = bedrock
        .run_tools(
            "Claude Haiku 4.5",
            &Request::new("What's the weather in Miami?"),
            &ToolBox::new().with(Weather),
        )
        .expect("tool run");
    assert!(run.rounds >= 1, "{run}");
    let again = bedrock.compare(&models, &Request::new("Hello again"));
    assert_eq!(again.replies().len(), models.len(), "{again}");

    let stats = endpoint.stats();
    assert_eq!(
        stats.connections_accepted, opened,
        "streams, a tool run and a second comparison opened new connections"
    );
    assert_eq!(stats.streams, 5);
}

/// A tool that asks a model itself, through the blocking API.
struct AskAModel(Bedrock);

impl Tool for AskAModel {
    fn name(&self) -> &str {
        "ask_a_model"
    }
    fn description(&self) -> String {
        "Asks another model a question.".into()
    }
    fn input_schema(&self) -> Value {
        json!({"type": "object", "properties": {"question": {"type": "string"}}})
    }
    fn call(&self, input: Value) -> Result<Value, ToolError> {
        let question = input["question"]
            .as_str()
            .unwrap_or("What is Amazon Bedrock?");
        let reply = self
            .0
            .ask("Amazon Nova Micro", question)
            .map_err(|e| ToolError::new(e.to_string()))?;
        Ok(json!({ "answer": reply.text }))
    }
}

#[test]
fn a_tool_can_call_a_model_through_the_same_handle() {
    let _serial = serial();
    let (endpoint, bedrock) = endpoint_and_handle();
    let tools = ToolBox::new().with(AskAModel(bedrock.clone()));
    let request = Request::new("Use ask_a_model to find out what Amazon Bedrock is.")
        .tool_choice(bedrock_kit::ToolChoice::Tool("ask_a_model".into()));
    let run = bedrock
        .run_tools("Claude Haiku 4.5", &request, &tools)
        .expect("tool run");
    let call = &run.turns[0].calls[0];
    assert!(call.ok, "the nested call failed: {}", call.output);
    assert!(
        call.output["answer"]
            .as_str()
            .is_some_and(|a| !a.is_empty()),
        "{}",
        call.output
    );
    // The tool's own call and the model's rounds all went over the handle's connections.
    assert!(endpoint.stats().requests >= 3);
}

#[test]
fn the_worker_lives_while_any_clone_does_and_stops_with_the_last() {
    let _serial = serial();
    let before = session_threads();
    let (endpoint, bedrock) = endpoint_and_handle();
    let clone = bedrock.clone();
    assert_eq!(session_threads(), before + 1, "one worker per handle");
    drop(bedrock);
    assert_eq!(session_threads(), before + 1, "the clone keeps the worker");
    clone
        .ask("Amazon Nova Micro", "still there?")
        .expect("call");
    drop(clone);
    assert_eq!(
        session_threads(),
        before,
        "the worker outlived its last handle"
    );
    assert_eq!(endpoint.stats().requests, 1);
}

#[test]
fn async_calls_go_through_the_same_worker() {
    let _serial = serial();
    let (endpoint, bedrock) = endpoint_and_handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for n in 0..5 {
            bedrock
                .ask_async("Amazon Nova Micro", &format!("async {n}"))
                .await
                .expect("async call");
        }
    });
    bedrock.ask("Amazon Nova Micro", "blocking").expect("call");
    drop(runtime);
    bedrock
        .ask("Amazon Nova Micro", "after the caller's runtime is gone")
        .expect("call after the caller's runtime was dropped");
    assert_eq!(endpoint.stats().requests, 7);
    assert_eq!(endpoint.stats().connections_accepted, 1);
}
