//! Tests of whole scenario files: loading, error messages, rule order, faults and counters.

use std::time::Duration;

use serde_json::json;

use super::{ScenarioError, ScenarioSet};
use crate::turn::{
    Answer, AnswerBlock, Block, Fault, Message, Operation, Outcome, Role, Source, StopReason,
    ToolSpec, Turn,
};

fn turn(text: &str) -> Turn {
    Turn {
        model_id: "us.anthropic.claude-3-7-sonnet-20250219-v1:0".into(),
        base_model_id: "anthropic.claude-3-7-sonnet-20250219-v1:0".into(),
        operation: Operation::Converse,
        system: None,
        messages: vec![Message {
            role: Role::User,
            blocks: vec![Block::Text(text.into())],
        }],
        tools: vec![],
        max_tokens: None,
        stop_sequences: vec![],
    }
}

fn streaming(text: &str) -> Turn {
    Turn {
        operation: Operation::ConverseStream,
        ..turn(text)
    }
}

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn toml(text: &str) -> Result<ScenarioSet, ScenarioError> {
    ScenarioSet::from_toml_str("test.toml", text)
}

fn answer(outcome: Outcome) -> Option<Answer> {
    match outcome {
        Outcome::Answer(a) => Some(a),
        Outcome::Fault(_) => None,
    }
}

fn fault(outcome: Outcome) -> Option<Fault> {
    match outcome {
        Outcome::Fault(f) => Some(f),
        Outcome::Answer(_) => None,
    }
}

fn error(text: &str) -> String {
    toml(text).err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn builtin_files_load_without_notes() -> TestResult {
    let set = ScenarioSet::builtin();
    assert!(set.len() >= 10, "{set:?}");
    assert!(format!("{set:?}").contains("notes: []"), "{set:?}");
    Ok(())
}

#[test]
fn builtin_generic_rules_answer_only_bare_greetings_and_identity_questions() -> TestResult {
    let set = ScenarioSet::builtin();
    let source = |text: &str| answer(set.respond(&turn(text))).map(|a| a.source);
    assert_eq!(
        source("Who are you?"),
        Some(Source::Scenario("identity".into()))
    );
    assert_eq!(source("hello!"), Some(Source::Scenario("greeting".into())));
    assert_eq!(
        source("Hello, which model should I use for summaries?"),
        Some(Source::Fallback)
    );
    Ok(())
}

#[test]
fn builtin_demo_rule_throttles_twice_then_answers() -> TestResult {
    let set = ScenarioSet::builtin();
    let t = turn("[demo:throttle] hello");
    for _ in 0..2 {
        assert_eq!(
            fault(set.respond(&t)),
            Some(Fault::Exception {
                code: "ThrottlingException".into(),
                status: 429,
                message: "Too many requests, please wait before trying again.".into()
            })
        );
    }
    let third = answer(set.respond(&t));
    assert_eq!(
        third.map(|a| a.source),
        Some(Source::Scenario("demo-throttle-then-answer".into()))
    );
    Ok(())
}

#[test]
fn first_matching_rule_wins_and_reply_fields_are_used() -> TestResult {
    let set = toml(
        r#"
        [[rule]]
        name = "specific"
        match = { contains = ["weather", "paris"], model = "anthropic.*" }
        [rule.reply]
        text = "Sunny in Paris."
        reasoning = "Paris is usually sunny in this scenario."
        usage = { input_tokens = 7, output_tokens = 3 }
        latency_ms = 250
        chunk_tokens = 5
        tokens_per_second = 40.0

        [[rule]]
        name = "general"
        match = { contains = "weather" }
        reply = { text = "Some weather." }
        "#,
    )?;
    let a = answer(set.respond(&turn("Weather in Paris?"))).ok_or("expected an answer")?;
    assert_eq!(
        a.blocks,
        vec![
            AnswerBlock::Reasoning("Paris is usually sunny in this scenario.".into()),
            AnswerBlock::Text("Sunny in Paris.".into())
        ]
    );
    assert_eq!(a.stop_reason, StopReason::EndTurn);
    assert_eq!(
        (a.usage.input_tokens, a.usage.output_tokens),
        (Some(7), Some(3))
    );
    assert_eq!(a.latency, Duration::from_millis(250));
    assert_eq!(a.stream.tokens_per_chunk, 5);
    assert_eq!(a.stream.tokens_per_second, Some(40.0));
    assert_eq!(a.source, Source::Scenario("specific".into()));
    let b = answer(set.respond(&turn("Weather in Rome?"))).map(|a| a.source);
    assert_eq!(b, Some(Source::Scenario("general".into())));
    Ok(())
}

#[test]
fn tool_use_reply_defaults_to_tool_use_stop_reason() -> TestResult {
    let set = toml(
        r#"
        [[rule]]
        name = "call-weather"
        match = { tool = "get_weather", tool_result = false }
        reply = { text = "Let me check.", tool_use = [{ name = "get_weather", input = { location = "Paris" } }] }
        "#,
    )?;
    let mut t = turn("Weather?");
    t.tools.push(ToolSpec {
        name: "get_weather".into(),
        description: String::new(),
        input_schema: json!({}),
    });
    let a = answer(set.respond(&t)).ok_or("expected an answer")?;
    assert_eq!(a.stop_reason, StopReason::ToolUse);
    assert!(matches!(
        &a.blocks[..],
        [AnswerBlock::Text(_), AnswerBlock::ToolUse { name, input, id }]
            if name == "get_weather" && input == &json!({"location": "Paris"}) && id.starts_with("tooluse_")
    ));
    Ok(())
}

#[test]
fn json_files_use_the_same_format() -> TestResult {
    let set = ScenarioSet::from_json_str(
        "test.json",
        r#"{"rule": [{"name": "j", "match": {"regex": "^ping$"}, "reply": {"text": "pong"}}]}"#,
    )?;
    let a = answer(set.respond(&turn("PING"))).ok_or("expected an answer")?;
    assert_eq!(a.blocks, vec![AnswerBlock::Text("pong".into())]);
    Ok(())
}

#[test]
fn unmatched_turn_gets_the_marked_fallback() -> TestResult {
    let a = answer(ScenarioSet::empty().respond(&turn("Compose a sonnet")))
        .ok_or("expected an answer")?;
    assert_eq!(a.source, Source::Fallback);
    assert!(
        matches!(&a.blocks[..], [AnswerBlock::Text(t)] if t.starts_with("[bedrock-local] No scenario matched"))
    );
    Ok(())
}

#[test]
fn reply_without_text_keeps_the_fallback_content_with_its_overrides() -> TestResult {
    let set = toml("[[rule]]\nname = \"slow\"\nreply = { latency_ms = 5 }\n")?;
    let a = answer(set.respond(&turn("Anything"))).ok_or("expected an answer")?;
    assert_eq!(a.latency, Duration::from_millis(5));
    assert_eq!(a.source, Source::Scenario("slow".into()));
    assert!(matches!(&a.blocks[..], [AnswerBlock::Text(t)] if t.starts_with("[bedrock-local]")));
    Ok(())
}

#[test]
fn exhausted_fault_without_reply_passes_to_the_next_rule() -> TestResult {
    let set = toml(
        r#"
        [[rule]]
        name = "flaky"
        fault = { kind = "server_error", times = 1 }
        [[rule]]
        name = "answer"
        reply = { text = "ok" }
        "#,
    )?;
    let first = fault(set.respond(&turn("x")));
    assert!(
        matches!(first, Some(Fault::Exception { status: 500, ref code, .. }) if code == "InternalServerException")
    );
    let second = answer(set.respond(&turn("x"))).map(|a| a.source);
    assert_eq!(second, Some(Source::Scenario("answer".into())));
    Ok(())
}

#[test]
fn clones_share_call_counters() -> TestResult {
    let set = toml(
        "[[rule]]\nname = \"t\"\nfault = { kind = \"throttle\", times = 1 }\nreply = { text = \"ok\" }\n",
    )?;
    let clone = set.clone();
    assert!(fault(set.respond(&turn("x"))).is_some());
    assert!(answer(clone.respond(&turn("x"))).is_some());
    Ok(())
}

#[test]
fn named_exception_takes_bedrock_status_and_message() -> TestResult {
    let set =
        toml("[[rule]]\nfault = { kind = \"exception\", code = \"AccessDeniedException\" }\n")?;
    assert_eq!(
        fault(set.respond(&turn("x"))),
        Some(Fault::Exception {
            code: "AccessDeniedException".into(),
            status: 403,
            message: "You don't have access to the model with the specified model ID.".into()
        })
    );
    Ok(())
}

#[test]
fn timeout_fault_holds_for_the_given_time() -> TestResult {
    let set = toml("[[rule]]\nfault = { kind = \"timeout\", after_ms = 1500 }\n")?;
    assert_eq!(
        fault(set.respond(&turn("x"))),
        Some(Fault::Timeout(Duration::from_millis(1500)))
    );
    Ok(())
}

#[test]
fn stream_fault_carries_the_answer_on_streams_and_is_plain_otherwise() -> TestResult {
    let set = toml(
        "[[rule]]\nfault = { kind = \"stream_exception\", after_events = 4, exception = \"ThrottlingException\" }\nreply = { text = \"partial\" }\n",
    )?;
    let streamed = fault(set.respond(&streaming("x")));
    assert!(
        matches!(&streamed, Some(Fault::StreamException { after_events: 4, exception, answer, .. })
            if exception == "throttlingException"
                && answer.blocks == vec![AnswerBlock::Text("partial".into())]),
        "{streamed:?}"
    );
    assert!(matches!(
        fault(set.respond(&turn("x"))),
        Some(Fault::Exception { status: 429, ref code, .. }) if code == "ThrottlingException"
    ));
    Ok(())
}

#[test]
fn stall_streams_then_stops_and_holds_non_streaming_calls() -> TestResult {
    let set = toml("[[rule]]\nfault = { kind = \"stall\", after_events = 1, after_ms = 20 }\n")?;
    assert!(matches!(
        fault(set.respond(&streaming("x"))),
        Some(Fault::Stall {
            after_events: 1,
            ..
        })
    ));
    assert_eq!(
        fault(set.respond(&turn("x"))),
        Some(Fault::Timeout(Duration::from_millis(20)))
    );
    Ok(())
}

#[test]
fn merge_puts_the_first_set_first() -> TestResult {
    let a = toml("[[rule]]\nname = \"a\"\nreply = { text = \"A\" }\n")?;
    let b = toml("[[rule]]\nname = \"b\"\nreply = { text = \"B\" }\n")?;
    assert_eq!(a.merge(b).rule_names().collect::<Vec<_>>(), ["a", "b"]);
    Ok(())
}

#[test]
fn unknown_field_is_named_with_file_and_rule() -> TestResult {
    assert_eq!(
        error("[[rule]]\nname = \"w\"\nmatch = { contians = \"x\" }\nreply = { text = \"y\" }\n"),
        "scenario file `test.toml`, rule `w` (#1), field `match.contians`: unknown field \
         `contians`, expected one of `model`, `operation`, `contains`, `regex`, `system`, \
         `case_sensitive`, `tool`, `has_tools`, `tool_result`, `turn`"
    );
    Ok(())
}

#[test]
fn unknown_top_level_and_rule_fields_are_errors() -> TestResult {
    assert!(
        error("[[rules]]\nname = \"x\"\n")
            .starts_with("scenario file `test.toml`: unknown field `rules`")
    );
    assert!(
        error("[[rule]]\nreplay = { text = \"x\" }\n").starts_with(
            "scenario file `test.toml`, rule #1, field `replay`: unknown field `replay`"
        )
    );
    Ok(())
}

#[test]
fn wrong_type_names_the_field() -> TestResult {
    let e = error("[[rule]]\nname = \"n\"\nreply = { text = \"x\", latency_ms = \"slow\" }\n");
    assert_eq!(
        e,
        "scenario file `test.toml`, rule `n` (#1), field `reply.latency_ms`: invalid type: \
         string \"slow\", expected u64"
    );
    Ok(())
}

#[test]
fn bad_regex_names_the_field() -> TestResult {
    let e = error("[[rule]]\nmatch = { regex = \"(unclosed\" }\nreply = { text = \"x\" }\n");
    assert!(
        e.starts_with("scenario file `test.toml`, rule #1, field `match.regex`: regex parse error"),
        "{e}"
    );
    Ok(())
}

#[test]
fn toml_syntax_errors_name_the_file_and_line() -> TestResult {
    let e = error("[[rule]]\nname = \n");
    assert!(
        e.starts_with("scenario file `test.toml`: TOML parse error at line 2"),
        "{e}"
    );
    Ok(())
}

#[test]
fn semantic_mistakes_name_the_field() -> TestResult {
    let cases = [
        (
            "[[rule]]\nmatch = { operation = \"Chat\" }\nreply = { text = \"x\" }\n",
            "match.operation",
            "unknown operation `Chat`",
        ),
        (
            "[[rule]]\nreply = { text = \"x\", stop_reason = \"done\" }\n",
            "reply.stop_reason",
            "unknown stop reason `done`",
        ),
        (
            "[[rule]]\nreply = { tool_use = [{ name = \"bad name\" }] }\n",
            "reply.tool_use[0].name",
            "tool name `bad name`",
        ),
        (
            "[[rule]]\nreply = { tool_use = [{ name = \"t\", input = 3 }] }\n",
            "reply.tool_use[0].input",
            "tool input must be a table",
        ),
        (
            "[[rule]]\nfault = { kind = \"explode\" }\n",
            "fault.kind",
            "unknown fault kind `explode`",
        ),
        ("[[rule]]\nfault = { times = 2 }\n", "fault.kind", "missing"),
        (
            "[[rule]]\nfault = { kind = \"throttle\", after_events = 2 }\n",
            "fault.after_events",
            "does not apply to fault kind `throttle`",
        ),
        (
            "[[rule]]\nfault = { kind = \"exception\" }\n",
            "fault.code",
            "needs a code",
        ),
        (
            "[[rule]]\nfault = { kind = \"exception\", code = \"TeapotException\" }\n",
            "fault.status",
            "give its HTTP status",
        ),
        (
            "[[rule]]\nfault = { kind = \"server_error\", status = 404 }\n",
            "fault.status",
            "needs a 5xx status",
        ),
        (
            "[[rule]]\nfault = { kind = \"stream_exception\", exception = \"boomException\" }\n",
            "fault.exception",
            "unknown stream exception",
        ),
        (
            "[[rule]]\nmatch = { turn = 0 }\nreply = { text = \"x\" }\n",
            "match.turn",
            "numbered from 1",
        ),
    ];
    for (text, field, message) in cases {
        let e = error(text);
        assert!(
            e.starts_with(&format!(
                "scenario file `test.toml`, rule #1, field `{field}`: "
            )) && e.contains(message),
            "{text}\n=> {e}"
        );
    }
    Ok(())
}

#[test]
fn rule_without_reply_or_fault_is_an_error() -> TestResult {
    assert_eq!(
        error("[[rule]]\nname = \"empty\"\nmatch = { contains = \"x\" }\n"),
        "scenario file `test.toml`, rule `empty` (#1): a rule needs a `reply` or a `fault` section"
    );
    Ok(())
}

#[test]
fn duplicate_rule_names_are_an_error() -> TestResult {
    let e = error(
        "[[rule]]\nname = \"a\"\nreply = { text = \"x\" }\n[[rule]]\nname = \"a\"\nreply = { text = \"y\" }\n",
    );
    assert_eq!(
        e,
        "scenario file `test.toml`, rule `a` (#2), field `name`: another rule of this file already has this name"
    );
    Ok(())
}

#[test]
fn from_file_reads_toml_and_rejects_other_extensions() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("mine.toml");
    std::fs::write(
        &path,
        "[[rule]]\nname = \"f\"\nreply = { text = \"from file\" }\n",
    )?;
    let set = ScenarioSet::from_file(&path)?;
    assert_eq!(set.rule_names().collect::<Vec<_>>(), ["f"]);
    let other = dir.path().join("mine.yaml");
    std::fs::write(&other, "")?;
    let e = ScenarioSet::from_file(&other)
        .err()
        .map(|e| e.to_string())
        .ok_or("a .yaml file loaded")?;
    assert!(
        e.ends_with("a scenario file must end in .toml or .json"),
        "{e}"
    );
    Ok(())
}
