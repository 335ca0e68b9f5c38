//! Tests of whole scenario files: loading, error messages, rule order, faults and counters,
//! reply templates, the `result` and `demo` conditions, and the built-in weather answers.

use std::time::Duration;

use bedrock_catalog::Demo;
use serde_json::{Value, json};

use super::words::sentences;
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
        sampling: crate::turn::Sampling::default(),
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
        Outcome::Fault(_) | Outcome::Recorded(_) => None,
    }
}

fn fault(outcome: Outcome) -> Option<Fault> {
    match outcome {
        Outcome::Fault(f) => Some(f),
        Outcome::Answer(_) | Outcome::Recorded(_) => None,
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
        matches!(&a.blocks[..], [AnswerBlock::Text(t)] if t.starts_with("[bedrock-local] This is the local Bedrock endpoint, not a model, and no scenario scripts"))
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
         `case_sensitive`, `tool`, `has_tools`, `tool_result`, `result`, `turn`, `demo`, `conversation`"
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
        (
            "[[rule]]\nmatch = { model = \"amazon.nova-[\" }\nreply = { text = \"x\" }\n",
            "match.model",
            "unclosed character class",
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
fn fault_kind_mistakes_name_the_field_and_list_the_valid_kinds() -> TestResult {
    let kinds = "`throttle`, `exception`, `server_error`, `timeout`, `stream_exception`, `stall`";
    assert_eq!(
        error("[[rule]]\nfault = { kind = \"explode\" }\n"),
        format!(
            "scenario file `test.toml`, rule #1, field `fault.kind`: unknown fault kind \
             `explode`, expected one of {kinds}"
        )
    );
    assert_eq!(
        error("[[rule]]\nname = \"t\"\nfault = { times = 2 }\n"),
        format!(
            "scenario file `test.toml`, rule `t` (#1), field `fault.kind`: missing; expected \
             one of {kinds}"
        )
    );
    Ok(())
}

#[test]
fn a_field_of_another_fault_kind_names_the_field_the_kind_and_what_it_takes() -> TestResult {
    assert_eq!(
        error("[[rule]]\nfault = { kind = \"throttle\", times = 1, after_events = 2 }\n"),
        "scenario file `test.toml`, rule #1, field `fault.after_events`: does not apply to \
         fault kind `throttle` (unknown field `after_events`, expected `times` or `message`)"
    );
    // The example of scenarios/README.md.
    assert_eq!(
        error("[[rule]]\nname = \"slow\"\nfault = { kind = \"timeout\", after_events = 1 }\n"),
        "scenario file `test.toml`, rule `slow` (#1), field `fault.after_events`: does not apply \
         to fault kind `timeout` (unknown field `after_events`, expected `times` or `after_ms`)"
    );
    assert_eq!(
        error("[[rule]]\nfault = { kind = \"timeout\", after_ms = \"slow\" }\n"),
        "scenario file `test.toml`, rule #1, field `fault.after_ms`: invalid type: string \
         \"slow\", expected u64"
    );
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

fn weather_tool() -> ToolSpec {
    ToolSpec {
        name: "get_weather".into(),
        description: "Get current weather for a specific location".into(),
        input_schema: json!({"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}),
    }
}

/// A question, the model's get_weather call for `location`, and the tool's result `content`.
fn weather_round(question: &str, location: &str, content: Value) -> Turn {
    let mut t = turn(question);
    t.tools.push(weather_tool());
    t.messages.push(Message {
        role: Role::Assistant,
        blocks: vec![Block::ToolUse {
            id: "tooluse_w1".into(),
            name: "get_weather".into(),
            input: json!({ "location": location }),
        }],
    });
    t.messages.push(Message {
        role: Role::User,
        blocks: vec![Block::ToolResult {
            id: "tooluse_w1".into(),
            content: vec![content],
            is_error: false,
        }],
    });
    t
}

/// The single text block and the source of an answer.
fn text_and_source(outcome: Outcome) -> Result<(String, Source), String> {
    match answer(outcome) {
        Some(Answer { blocks, source, .. }) => match blocks.as_slice() {
            [AnswerBlock::Text(text)] => Ok((text.clone(), source)),
            other => Err(format!("expected one text block, got {other:?}")),
        },
        None => Err("expected an answer, got a fault".into()),
    }
}

#[test]
fn builtin_weather_answer_reads_a_city_no_rule_names_from_the_tool_result() -> TestResult {
    let t = weather_round(
        "What's the weather in Lisbon, and what should I wear?",
        "Lisbon",
        json!({"json": {"location": "Lisbon", "temperature": 70, "condition": "Sunny", "humidity": 50}}),
    );
    let (text, source) = text_and_source(ScenarioSet::builtin().respond(&t))?;
    assert_eq!(
        text,
        "It's sunny in Lisbon right now, 70°F with 50% humidity. Wear what suits 70°F, and bring \
         sunglasses and sunscreen."
    );
    assert_eq!(source, Source::Scenario("weather-tool-answer-sunny".into()));
    Ok(())
}

#[test]
fn builtin_weather_answer_for_seattle_has_seattle_numbers_and_no_fog() -> TestResult {
    let t = weather_round(
        "What's the weather like in Seattle right now, and what should I wear?",
        "Seattle",
        json!({"json": {"location": "Seattle", "temperature": 52, "condition": "Rainy", "humidity": 90}}),
    );
    let (text, source) = text_and_source(ScenarioSet::builtin().respond(&t))?;
    assert!(
        text.starts_with("It's rainy in Seattle right now, 52°F with 90% humidity."),
        "{text}"
    );
    assert!(text.contains("umbrella"), "{text}");
    for wrong in ["San Francisco", "fog", "58", "80%"] {
        assert!(!text.contains(wrong), "`{wrong}` in {text}");
    }
    assert_eq!(source, Source::Scenario("weather-tool-answer-rainy".into()));
    Ok(())
}

#[test]
fn builtin_notebook_weather_flow_calls_the_tool_then_answers_foggy_san_francisco_in_layers()
-> TestResult {
    let set = ScenarioSet::builtin();
    let question = "What's the weather like in San Francisco right now, and what should I wear?";
    let mut first = turn(question);
    first.tools.push(weather_tool());
    let call = answer(set.respond(&first)).ok_or("expected an answer")?;
    assert_eq!(call.stop_reason, StopReason::ToolUse);
    assert!(
        matches!(&call.blocks[..], [AnswerBlock::Text(_), AnswerBlock::ToolUse { name, input, .. }]
            if name == "get_weather" && input == &json!({"location": "San Francisco"})),
        "{:?}",
        call.blocks
    );
    let t = weather_round(
        question,
        "San Francisco",
        json!({"json": {"location": "San Francisco", "temperature": 58, "condition": "Foggy", "humidity": 80}}),
    );
    let (text, source) = text_and_source(set.respond(&t))?;
    assert!(
        text.starts_with("It's foggy in San Francisco right now, 58°F with 80% humidity."),
        "{text}"
    );
    assert!(text.contains("layers"), "{text}");
    assert_eq!(source, Source::Scenario("weather-tool-answer-foggy".into()));
    Ok(())
}

#[test]
fn builtin_weather_answer_for_an_unknown_place_reports_no_data_and_no_numbers() -> TestResult {
    let t = weather_round(
        "Weather in Atlantis?",
        "Atlantis",
        json!({"json": {"location": "Atlantis", "temperature": 0, "condition": "Unknown", "humidity": 0}}),
    );
    let (text, source) = text_and_source(ScenarioSet::builtin().respond(&t))?;
    assert!(
        text.starts_with("The weather tool has no data for Atlantis"),
        "{text}"
    );
    assert!(!text.contains('0') && !text.contains("°F"), "{text}");
    assert_eq!(
        source,
        Source::Scenario("weather-tool-answer-no-data".into())
    );
    Ok(())
}

#[test]
fn builtin_weather_answer_reports_a_condition_no_rule_names_as_the_tool_gave_it() -> TestResult {
    let t = weather_round(
        "Weather in Oslo?",
        "Oslo",
        json!({"json": {"location": "Oslo", "temperature": 28, "condition": "Light Snow", "humidity": 70}}),
    );
    let (text, source) = text_and_source(ScenarioSet::builtin().respond(&t))?;
    assert!(
        text.starts_with(
            "The weather tool reports Light Snow in Oslo right now, 28°F with 70% humidity."
        ),
        "{text}"
    );
    assert_eq!(source, Source::Scenario("weather-tool-answer".into()));
    Ok(())
}

#[test]
fn builtin_weather_result_without_its_fields_is_answered_by_the_fallback() -> TestResult {
    let t = weather_round(
        "Weather in Lisbon?",
        "Lisbon",
        json!({"text": "Sunny and 21 C"}),
    );
    let (text, source) = text_and_source(ScenarioSet::builtin().respond(&t))?;
    assert_eq!(source, Source::Fallback);
    assert_eq!(
        text,
        "[bedrock-local] For \"Weather in Lisbon?\": `get_weather` returned Sunny and 21 C."
    );
    Ok(())
}

#[test]
fn reply_templates_fill_text_reasoning_and_tool_input_from_the_request() -> TestResult {
    let set = toml(
        r#"
        [[rule]]
        name = "templated"
        match = { tool_result = true }
        [rule.reply]
        reasoning = "Asked by {{ model.name }} about: {{user_text}}"
        text = '{{tool_input.location}} has {{tool_result.temperature}} degrees; literal \{{tool_result}} and {single} braces.'
        tool_use = [{ name = "log", input = { city = "{{tool_result.location}}", degrees = "{{tool_result.temperature}}", note = "{{tool_result.temperature}}F", fixed = 1 } }]
        "#,
    )?;
    let t = weather_round(
        "Weather in Lisbon?",
        "Lisbon",
        json!({"json": {"location": "Lisbon", "temperature": 70}}),
    );
    let a = answer(set.respond(&t)).ok_or("expected an answer")?;
    assert!(
        matches!(&a.blocks[..], [
            AnswerBlock::Reasoning(reasoning),
            AnswerBlock::Text(text),
            AnswerBlock::ToolUse { name, input, .. },
        ] if reasoning == "Asked by Claude 3.7 Sonnet about: Weather in Lisbon?"
            && text == "Lisbon has 70 degrees; literal {{tool_result}} and {single} braces."
            && name == "log"
            && input == &json!({"city": "Lisbon", "degrees": 70, "note": "70F", "fixed": 1})),
        "{:?}",
        a.blocks
    );
    Ok(())
}

#[test]
fn missing_placeholder_value_skips_the_rule_uncounted_so_the_next_rule_answers() -> TestResult {
    let set = toml(
        r#"
        [[rule]]
        name = "needs-city"
        match = { tool_result = true }
        fault = { kind = "throttle", times = 1 }
        reply = { text = "It is {{tool_result.condition}} in {{tool_result.city}}." }

        [[rule]]
        name = "next"
        reply = { text = "The next rule answers." }
        "#,
    )?;
    let without_city = weather_round(
        "Weather?",
        "Lisbon",
        json!({"json": {"condition": "Sunny"}}),
    );
    let (text, source) = text_and_source(set.respond(&without_city))?;
    assert_eq!(
        (text.as_str(), source),
        ("The next rule answers.", Source::Scenario("next".into()))
    );
    let with_city = weather_round(
        "Weather?",
        "Lisbon",
        json!({"json": {"condition": "Sunny", "city": "Lisbon"}}),
    );
    // The skipped request was not counted: the rule's one fault is still to come.
    assert!(
        matches!(
            fault(set.respond(&with_city)),
            Some(Fault::Exception { status: 429, .. })
        ),
        "the first call with every value is the throttled one"
    );
    let (text, source) = text_and_source(set.respond(&with_city))?;
    assert_eq!(
        (text.as_str(), source),
        (
            "It is Sunny in Lisbon.",
            Source::Scenario("needs-city".into())
        )
    );
    let (_, source) = text_and_source(set.respond(&turn("No tool round at all")))?;
    assert_eq!(source, Source::Scenario("next".into()));
    Ok(())
}

#[test]
fn template_mistakes_are_load_errors_naming_file_rule_and_field() -> TestResult {
    assert_eq!(
        error("[[rule]]\nname = \"w\"\nreply = { text = \"It is {{tool_reslt.city}}.\" }\n"),
        "scenario file `test.toml`, rule `w` (#1), field `reply.text`: unknown placeholder \
         `{{tool_reslt.city}}`, expected one of {{tool_result}}, {{tool_result.<field>}}, \
         {{tool_input}}, {{tool_input.<field>}}, {{model.name}}, {{model.id}}, {{user_text}} \
         (write `\\{{` for literal braces)"
    );
    let cases = [
        (
            "reply = { reasoning = \"{{user_text\" }",
            "reply.reasoning",
            "unclosed placeholder `{{user_text`",
        ),
        (
            "reply = { text = \"{{}}\" }",
            "reply.text",
            "empty placeholder",
        ),
        (
            "reply = { tool_use = [{ name = \"t\", input = { where = { city = \"{{model.city}}\" } } }] }",
            "reply.tool_use[0].input.where.city",
            "unknown placeholder `{{model.city}}`",
        ),
        (
            "reply = { tool_use = [{ name = \"t\", input = { list = [1, \"{{tool_result..x}}\"] } }] }",
            "reply.tool_use[0].input.list[1]",
            "invalid field name",
        ),
    ];
    for (reply, field, message) in cases {
        let e = error(&format!("[[rule]]\nname = \"r\"\n{reply}\n"));
        assert!(
            e.starts_with(&format!(
                "scenario file `test.toml`, rule `r` (#1), field `{field}`: "
            )) && e.contains(message),
            "{reply}\n=> {e}"
        );
    }
    let json = ScenarioSet::from_json_str(
        "mine.json",
        r#"{"rule": [{"name": "a", "reply": {"text": "ok"}}, {"name": "j", "reply": {"text": "{{nope}}"}}]}"#,
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        json.starts_with(
            "scenario file `mine.json`, rule `j` (#2), field `reply.text`: unknown placeholder `{{nope}}`"
        ),
        "{json}"
    );
    Ok(())
}

#[test]
fn result_condition_compares_fields_of_the_json_tool_result() -> TestResult {
    let set = toml(
        r#"
        [[rule]]
        name = "foggy-and-cool"
        match = { result = { condition = ["foggy", "mist"], temperature = 58, "station.name" = "SFO" } }
        reply = { text = "matched" }

        [[rule]]
        name = "other"
        reply = { text = "other" }
        "#,
    )?;
    let source = |content: Value| -> Result<Source, String> {
        Ok(text_and_source(set.respond(&weather_round("Weather?", "SF", content)))?.1)
    };
    let matched = Source::Scenario("foggy-and-cool".into());
    let other = Source::Scenario("other".into());
    let sf = json!({"condition": " Foggy ", "temperature": 58.0, "station": {"name": "sfo"}});
    assert_eq!(
        source(json!({ "json": sf }))?,
        matched,
        "case, spaces, 58 = 58.0"
    );
    assert_eq!(
        source(json!({"text": sf.to_string()}))?,
        matched,
        "JSON sent as text"
    );
    let mist = json!({"condition": "Mist", "temperature": 58, "station": {"name": "SFO"}});
    assert_eq!(
        source(json!({ "json": mist }))?,
        matched,
        "any listed value"
    );
    let warm = json!({"condition": "Foggy", "temperature": 59, "station": {"name": "SFO"}});
    assert_eq!(source(json!({ "json": warm }))?, other);
    let no_station = json!({"condition": "Foggy", "temperature": 58});
    assert_eq!(source(json!({ "json": no_station }))?, other);
    let (_, without_result) = text_and_source(set.respond(&turn("Weather?")))?;
    assert_eq!(without_result, other);
    for (result, message) in [
        ("result = 3", "expected a table of tool result fields"),
        ("result = { condition = [] }", "must not be empty"),
        (
            "result = { condition = {} }",
            "expected a string, number or boolean",
        ),
    ] {
        let e = error(&format!(
            "[[rule]]\nmatch = {{ {result} }}\nreply = {{ text = \"x\" }}\n"
        ));
        assert!(
            e.starts_with("scenario file `test.toml`, rule #1, field `match.result")
                && e.contains(message),
            "{result}\n=> {e}"
        );
    }
    Ok(())
}

#[test]
fn demo_condition_matches_its_marker_only() -> TestResult {
    let set = toml(
        "[[rule]]\nname = \"d\"\nmatch = { demo = \"throttle\" }\nreply = { text = \"demo\" }\n\
         [[rule]]\nname = \"other\"\nreply = { text = \"other\" }\n",
    )?;
    let source = |text: &str| text_and_source(set.respond(&turn(text))).map(|(_, s)| s);
    let demo = Source::Scenario("d".into());
    let other = Source::Scenario("other".into());
    assert_eq!(source("[demo:throttle] hello")?, demo);
    assert_eq!(source("Please [DEMO:Throttle]")?, demo, "any case");
    assert_eq!(source("[demo:throttle-always]")?, other);
    assert_eq!(source("throttle me")?, other);
    Ok(())
}

#[test]
fn unknown_demo_name_is_a_load_error_listing_the_valid_ones() -> TestResult {
    assert_eq!(
        error(
            "[[rule]]\nname = \"d\"\nmatch = { demo = \"throttled\" }\nreply = { text = \"x\" }\n"
        ),
        "scenario file `test.toml`, rule `d` (#1), field `match.demo`: unknown demo `throttled`, \
         expected one of reasoning, slow, throttle, throttle-always, access-denied, not-found, \
         500, 503, timeout, stream-error, stall"
    );
    Ok(())
}

#[test]
fn every_demo_has_a_builtin_rule_that_triggers_on_its_marker() -> TestResult {
    for demo in Demo::ALL {
        let set = ScenarioSet::builtin();
        let t = streaming(&demo.prompt("Status?"));
        let first = set.rules().iter().find(|rule| rule.matcher.matches(&t));
        assert_eq!(
            first.map(|rule| rule.matcher.demo),
            Some(Some(demo)),
            "{} is not answered by its own rule",
            demo.marker()
        );
        let outcome = set.respond(&t);
        assert!(
            !matches!(&outcome, Outcome::Answer(a) if a.source == Source::Fallback),
            "{} fell through to the fallback",
            demo.marker()
        );
    }
    Ok(())
}

/// Six sentences, every one about solar power, so that any choice of N is a real choice.
const SOLAR: &str = "Solar panels turn sunlight into electricity. Panels on roofs cut electricity \
    bills for households. Solar output falls on cloudy days, so panels are paired with batteries. \
    Batteries store solar electricity for the evening. Dr. Lee says solar panels last about \
    25 years. Prices of solar panels have fallen every year.";

#[test]
fn fallback_summary_has_exactly_the_requested_number_of_sentences() -> TestResult {
    let set = ScenarioSet::builtin();
    let source = sentences(SOLAR);
    assert_eq!(source.len(), 6, "{source:?}");
    for (request, wanted) in [
        ("Summarize this in one sentence:", 1),
        ("Summarize the text below in two sentences.\n\n", 2),
        ("Please summarise this in 3 sentences:", 3),
        ("Summarize the following in four short sentences:", 4),
        ("Give me a one-sentence summary:", 1),
        ("Summarize in 10 sentences:", 6),
    ] {
        let (text, origin) = text_and_source(set.respond(&turn(&format!("{request} {SOLAR}"))))?;
        assert_eq!(origin, Source::Fallback, "{request}");
        let body = text
            .strip_prefix("[bedrock-local] ")
            .ok_or_else(|| format!("unmarked: {text}"))?;
        let picked = sentences(body);
        assert_eq!(picked.len(), wanted, "{request}\n=> {body}");
        assert!(
            picked.iter().all(|s| source.contains(s)),
            "{request}: sentences not from the text: {picked:?}"
        );
    }
    Ok(())
}

#[test]
fn readme_example_file_loads_and_its_templates_answer_from_the_tool_result() -> TestResult {
    let readme = include_str!("../../scenarios/README.md");
    let example = readme
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .ok_or("no TOML example in the README")?;
    let set = ScenarioSet::from_toml_str("my-scenarios.toml", example)?;
    let t = weather_round(
        "Weather in Paris?",
        "Paris",
        json!({"json": {"location": "Paris", "temperature": 70, "condition": "Sunny"}}),
    );
    let (text, _) = text_and_source(set.respond(&t))?;
    assert_eq!(text, "It is sunny in Paris, 70 °F.");
    Ok(())
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn recorded_rules() -> String {
    format!(
        r#"
[[rule]]
name = "plain"
match = {{ operation = "Converse", conversation = "{DIGEST}", contains = "What is the capital of Freedonia?", case_sensitive = true }}
reply = {{ text = "readable only", latency_ms = 5, body = '{{"output":{{}}}}', headers = {{ "content-type" = "application/json", "x-amzn-bedrock-input-token-count" = "3" }} }}

[[rule]]
name = "streamed"
match = {{ operation = "ConverseStream", conversation = "{DIGEST}", contains = "Tell me about orbits" }}
reply = {{ events = [
  {{ after_ms = 4, event = "messageStart", payload = '{{"role":"assistant"}}' }},
  {{ after_ms = 0, chunk = '{{"type":"message_stop"}}' }},
  {{ after_ms = 1, exception = "throttlingException", payload = '{{"message":"slow down"}}' }},
] }}
"#
    )
}

#[test]
#[allow(clippy::unwrap_used, clippy::panic)]
fn a_recorded_rule_answers_its_digest_verbatim_and_nothing_else() {
    let set = toml(&recorded_rules()).unwrap();
    assert!(set.has_recordings());
    let mut plain = turn("What is the capital of Freedonia?");
    let Outcome::Recorded(recorded) = set.respond_to(&plain, Some(DIGEST)) else {
        panic!("the digest matches");
    };
    assert_eq!(
        recorded.wire,
        crate::turn::Wire::Body {
            body: r#"{"output":{}}"#.into(),
            latency: Duration::from_millis(5)
        }
    );
    assert_eq!(
        recorded.headers,
        vec![
            ("content-type".to_string(), "application/json".to_string()),
            (
                "x-amzn-bedrock-input-token-count".to_string(),
                "3".to_string()
            )
        ]
    );
    // Without the digest, or with another one, the recorded rule does not answer.
    assert!(answer(set.respond(&plain)).is_some());
    assert!(answer(set.respond_to(&plain, Some("sha256:other"))).is_some());
    plain.operation = Operation::ConverseStream;
    assert!(answer(set.respond_to(&plain, Some(DIGEST))).is_some());

    let streamed = streaming("Tell me about orbits");
    let Outcome::Recorded(recorded) = set.respond_to(&streamed, Some(DIGEST)) else {
        panic!("the digest matches");
    };
    let crate::turn::Wire::Events(events) = recorded.wire else {
        panic!("a stream replays events");
    };
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].after, Duration::from_millis(4));
    assert_eq!(
        events[2].frame,
        crate::turn::Frame::Exception {
            exception_type: "throttlingException".into(),
            payload: r#"{"message":"slow down"}"#.into()
        }
    );
}

#[test]
#[allow(clippy::unwrap_used, clippy::panic)]
fn a_miss_among_recordings_says_so_and_names_the_nearest_recorded_prompt() {
    let set = toml(&recorded_rules()).unwrap();
    let text = answer(set.respond_to(&turn("capital city of Freedonia, please"), Some("sha256:x")))
        .unwrap()
        .blocks
        .iter()
        .find_map(|b| match b {
            AnswerBlock::Text(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        text.starts_with("[bedrock-local] No recording matched this request"),
        "{text}"
    );
    assert!(text.contains("the 2 recorded exchanges"), "{text}");
    assert!(
        text.contains(
            "the nearest recorded prompt is \"What is the capital of Freedonia?\" (Converse)"
        ),
        "{text}"
    );
    let unrelated = answer(set.respond_to(&turn("zebra"), None)).unwrap();
    let AnswerBlock::Text(unrelated) = &unrelated.blocks[0] else {
        panic!("a text answer");
    };
    assert!(unrelated.contains("none shares a word with yours; the first recorded prompt is \"What is the capital of Freedonia?\""), "{unrelated}");
}

#[test]
#[allow(clippy::unwrap_used, clippy::panic)]
fn recorded_fields_with_mistakes_are_load_errors_naming_the_field() {
    let cases = [
        (
            r#"match = { conversation = "sha256:abc" }
reply = { text = "x" }"#,
            "field `match.conversation`: `sha256:abc` is not a conversation digest",
        ),
        (
            r#"reply = { events = [{ event = "messageStart", chunk = "{}" }] }"#,
            "field `reply.events[0]`: a frame sets exactly one of",
        ),
        (
            r#"reply = { events = [{ event = "messageStart" }] }"#,
            "field `reply.events[0].payload`: an event or exception frame needs its payload",
        ),
        (
            r#"reply = { events = [{ event = "messageStart", payload = "{not json" }] }"#,
            "field `reply.events[0].payload`: not JSON",
        ),
        (
            r#"reply = { body = "{}", headers = { "x-amzn-RequestId" = "1" } }"#,
            "field `reply.headers.x-amzn-RequestId`: only `content-type` and `x-amzn-bedrock-*` headers are replayed",
        ),
    ];
    for (body, expected) in cases {
        let message = error(&format!("[[rule]]\nname = \"r\"\n{body}\n"));
        assert!(
            message.contains(expected),
            "{message}\n expected: {expected}"
        );
    }
}
