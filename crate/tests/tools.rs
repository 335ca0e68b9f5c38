//! run_tools: the loop, failing and panicking tools, the round limit, status per model.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests state expectations

mod common;

use bedrock_kit::tools::{Tool, ToolBox, ToolError, ToolRunEnd, Weather};
use bedrock_kit::{Block, Request, ToolStatus};
use common::{quick, with_rules};
use serde_json::{Value, json};

/// A tool that always fails.
struct Broken;
impl Tool for Broken {
    fn name(&self) -> &str {
        "lookup_stock"
    }
    fn description(&self) -> String {
        "Stock level of a product".into()
    }
    fn input_schema(&self) -> Value {
        json!({"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]})
    }
    fn call(&self, _input: Value) -> Result<Value, ToolError> {
        Err(ToolError::new("inventory database is offline"))
    }
}

/// A tool that panics.
struct Panicky;
impl Tool for Panicky {
    fn name(&self) -> &str {
        "divide"
    }
    fn description(&self) -> String {
        "Divides a by b".into()
    }
    fn input_schema(&self) -> Value {
        json!({"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}})
    }
    fn call(&self, _input: Value) -> Result<Value, ToolError> {
        panic!("attempt to divide by zero")
    }
}

const RULES: &str = r#"
[[rule]]
name = "weather-call"
match = { contains = "weather", tool = "get_weather", tool_result = false }
reply = { text = "Let me check the weather first.", tool_use = [{ name = "get_weather", input = { location = "San Francisco" } }, { name = "get_weather", input = { location = "Miami" } }] }

[[rule]]
name = "weather-answer"
match = { tool = "get_weather", tool_result = true }
reply = { text = "San Francisco is foggy at 58°F: bring a jacket." }

[[rule]]
name = "stock-call"
match = { tool = "lookup_stock", tool_result = false }
reply = { tool_use = [{ name = "lookup_stock", input = { sku = "A1" } }] }

[[rule]]
name = "stock-answer"
match = { tool = "lookup_stock", tool_result = true }
reply = { text = "I could not check the stock: the inventory system is offline." }

[[rule]]
name = "divide-call"
match = { tool = "divide", tool_result = false }
reply = { tool_use = [{ name = "divide", input = { a = 1, b = 0 } }] }

[[rule]]
name = "divide-answer"
match = { tool = "divide", tool_result = true }
reply = { text = "The division failed." }

[[rule]]
name = "forever"
match = { tool = "again" }
reply = { text = "One more time.", tool_use = [{ name = "again", input = {} }] }

[[rule]]
name = "unknown-tool"
match = { contains = "call a ghost" }
reply = { tool_use = [{ name = "ghost", input = {} }] }
"#;

/// A tool that is always asked for again.
struct Again;
impl Tool for Again {
    fn name(&self) -> &str {
        "again"
    }
    fn description(&self) -> String {
        "Does nothing, again".into()
    }
    fn input_schema(&self) -> Value {
        json!({"type": "object", "properties": {}})
    }
    fn call(&self, _input: Value) -> Result<Value, ToolError> {
        Ok(json!({"done": true}))
    }
}

fn last_results(run: &bedrock_kit::tools::ToolRun) -> Vec<bedrock_kit::ToolResult> {
    run.messages
        .iter()
        .flat_map(|m| m.content.iter())
        .filter_map(|b| match b {
            Block::ToolResult(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn weather_loop_runs_every_call_of_a_turn_and_keeps_the_text() {
    let bedrock = with_rules(RULES);
    let run = bedrock
        .run_tools(
            "Claude Haiku 4.5",
            &Request::new("What's the weather in San Francisco and what should I wear?")
                .temperature(0.0),
            &ToolBox::new().with(Weather),
        )
        .expect("run");
    assert_eq!(run.end, ToolRunEnd::EndTurn);
    assert!(run.finished());
    assert_eq!(run.rounds, 1);
    assert_eq!(run.turns.len(), 2);
    assert_eq!(run.turns[0].text, "Let me check the weather first.");
    let calls = run.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].output["condition"], "Foggy");
    assert_eq!(calls[1].output["condition"], "Sunny");
    assert!(calls.iter().all(|c| c.ok));
    assert_eq!(
        run.answer,
        "San Francisco is foggy at 58°F: bring a jacket."
    );
    assert!(
        last_results(&run)
            .iter()
            .all(|r| r.status == Some(ToolStatus::Success))
    );
    assert!(run.to_html().contains("get_weather"));
    assert!(run.to_string().contains("finished"));
}

#[test]
fn a_failing_tool_goes_back_as_an_error_result() {
    let run = with_rules(RULES)
        .run_tools(
            "Claude Haiku 4.5",
            &Request::new("How many A1 are left?"),
            &ToolBox::new().with(Broken),
        )
        .expect("run");
    assert_eq!(run.end, ToolRunEnd::EndTurn);
    let call = run.calls()[0].clone();
    assert!(!call.ok);
    assert!(
        call.output
            .to_string()
            .contains("inventory database is offline")
    );
    let results = last_results(&run);
    assert_eq!(results[0].status, Some(ToolStatus::Error));
    assert!(run.answer.contains("offline"));
}

#[test]
fn a_panicking_tool_goes_back_as_an_error_result() {
    let run = with_rules(RULES)
        .run_tools(
            "Amazon Nova Pro",
            &Request::new("What is 1 / 0?"),
            &ToolBox::new().with(Panicky),
        )
        .expect("run survives the panic");
    let call = run.calls()[0].clone();
    assert!(!call.ok);
    assert!(
        call.output
            .to_string()
            .contains("panicked: attempt to divide by zero"),
        "{}",
        call.output
    );
    assert_eq!(last_results(&run)[0].status, Some(ToolStatus::Error));
    assert_eq!(run.answer, "The division failed.");
}

#[test]
fn status_is_left_out_for_models_that_do_not_accept_it() {
    let run = with_rules(RULES)
        .run_tools(
            "Meta Llama 3.1 70B Instruct",
            &Request::new("What is 1 / 0?"),
            &ToolBox::new().with(Panicky),
        )
        .expect("run");
    let results = last_results(&run);
    assert_eq!(results[0].status, None);
    assert!(results[0].content.to_string().contains("error"));
}

#[test]
fn a_model_that_keeps_asking_stops_at_the_round_limit() {
    let bedrock = with_rules(RULES).with_settings(quick().max_tool_rounds(3));
    let run = bedrock
        .run_tools(
            "Claude Haiku 4.5",
            &Request::new("loop"),
            &ToolBox::new().with(Again),
        )
        .expect("run");
    assert_eq!(run.end, ToolRunEnd::RoundLimit(3));
    assert_eq!(run.rounds, 3);
    assert_eq!(run.turns.len(), 4);
    assert!(run.end.to_string().contains("after 3 rounds"));
    assert!(!run.finished());
}

#[test]
fn an_unknown_tool_is_answered_with_an_error_naming_the_real_ones() {
    let run = with_rules(RULES)
        .run_tools(
            "Claude Haiku 4.5",
            &Request::new("call a ghost"),
            &ToolBox::new().with(Weather),
        )
        .expect("run");
    let call = run.calls()[0].clone();
    assert!(!call.ok);
    assert!(
        call.output
            .to_string()
            .contains("available tools: get_weather")
    );
}

#[test]
fn fallback_answers_the_workshop_question_with_the_weather_tool() {
    // No test rule: the endpoint's own fallback picks the tool and reads its result.
    let run = common::local()
        .run_tools(
            "Claude Haiku 4.5",
            &Request::new("What is the weather like in Seattle today?"),
            &ToolBox::new().with(Weather),
        )
        .expect("run");
    assert_eq!(run.end, ToolRunEnd::EndTurn, "{run}");
    assert_eq!(run.calls()[0].input["location"], "Seattle");
}

#[test]
fn run_tools_without_tools_is_refused() {
    let error = common::local()
        .run_tools("Claude Haiku 4.5", &Request::new("hi"), &ToolBox::new())
        .expect_err("no tools");
    assert!(error.to_string().contains("at least one tool"));
}

#[test]
fn panicking_tools_on_many_threads_leave_the_process_panic_hook_in_place() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static REPORTED: AtomicUsize = AtomicUsize::new(0);
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        REPORTED.fetch_add(1, Ordering::SeqCst);
        default(info);
    }));
    let tools = ToolBox::new().with(Panicky);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..10 {
                    let error = tools.call("divide", json!({"a": 1, "b": 0})).err();
                    assert!(error.is_some_and(|e| e.message.contains("divide by zero")));
                }
            });
        }
    });
    let after_tools = REPORTED.load(Ordering::SeqCst);
    assert!(
        after_tools >= 40,
        "only {after_tools} of 40 tool panics reached the process's hook"
    );
    let _ = std::panic::catch_unwind(|| panic!("a panic after the tool calls"));
    assert!(
        REPORTED.load(Ordering::SeqCst) > after_tools,
        "the hook installed before the tool calls no longer runs"
    );
}
