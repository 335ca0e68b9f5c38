//! boto3, a second official SDK, against an in-process bedrock-local endpoint.
//!
//! Run: `cargo test -p workshop-tests --test sdk_boto3`. The test makes a Python venv under
//! `target/boto3-venv` from `tests/boto3/requirements.txt` (reused while that file is unchanged;
//! `./workshop test` makes it before any test runs), starts the endpoint on port 0,
//! and runs `tests/boto3/check_bedrock_local.py`, which prints what boto3 saw as JSON; the
//! assertions are here. Needs `python3` with the `venv` module and access to PyPI on first run:
//! without python3 the test fails and says so (it does not skip).

#[path = "support/llama.rs"]
mod llama;
#[path = "support/python.rs"]
mod python;

use std::path::Path;
use std::process::Command;

use python::{TestError, aws_isolated, run, venv_python};

use bedrock_catalog::messages;
use bedrock_local::{Config, Credentials, LocalEndpoint, ScenarioSet};
use serde_json::{Value, json};

type TestResult = Result<(), TestError>;

/// boto3 and every package it pulls in, pinned so results do not drift with new releases; also
/// installed by `./workshop test` before the tests run, so the tests themselves touch no network.
const REQUIREMENTS: &str = include_str!("boto3/requirements.txt");

/// The rules the script's requests are answered from: the same as the Rust SDK tests'.
const RULES: &str = include_str!("sdk_rust/rules.toml");

#[test]
fn boto3_converses_streams_invokes_counts_tokens_sees_errors_retries_caches_prompts_reasons_structures_is_guarded_and_lives_through_a_lifecycle()
-> TestResult {
    let python = venv_python("boto3-venv", REQUIREMENTS, "boto3/requirements.txt", &[])?;
    let rules = ScenarioSet::from_toml_str("sdk_rust/rules.toml", RULES)?;
    let keys = Credentials::random();
    let on = |day: &str, legacy_in_use: bool| -> Result<LocalEndpoint, TestError> {
        let config = Config::default()
            .date(bedrock_catalog::parse_date(day)?)
            .legacy_in_use(legacy_in_use)
            .credentials(keys.clone())
            .scenarios(rules.clone());
        Ok(bedrock_local::start(config)?)
    };
    let endpoint = on("2026-12-02", true)?;
    // Its own endpoint, so moving the test clock ages no other case's cache.
    let with_clock = bedrock_local::start(
        Config::default()
            .date(bedrock_catalog::parse_date("2026-12-02")?)
            .credentials(keys.clone())
            .scenarios(rules.clone())
            .clock(bedrock_local::Clock::manual()),
    )?;
    // Claude 3.5 Haiku's lifecycle: launched 2024-11-04, Legacy 2025-12-19, end of life 2026-06-19.
    let days = [
        ("before_launch", on("2024-10-01", true)?),
        ("active", on("2025-04-15", true)?),
        ("legacy_used", on("2026-01-10", true)?),
        ("legacy_unused", on("2026-01-10", false)?),
        ("after_end_of_life", on("2026-12-02", true)?),
    ];
    let lifecycle: serde_json::Map<String, Value> = days
        .iter()
        .map(|(day, ep)| (day.to_string(), Value::String(ep.endpoint_url())))
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("boto3")
        .join("check_bedrock_local.py");
    let creds = endpoint.credentials();
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .env(
            "BEDROCK_LOCAL_LIFECYCLE",
            Value::Object(lifecycle).to_string(),
        )
        .env("BEDROCK_LOCAL_CLOCK_ENDPOINT", with_clock.endpoint_url());
    // Nothing from the machine's own AWS setup may change how boto3 signs or where it goes.
    aws_isolated(
        &mut command,
        &endpoint.endpoint_url(),
        &creds.access_key_id,
        &creds.secret_access_key,
        endpoint.region(),
    );
    let stdout = run(&mut command, "the boto3 script")?;
    let report: Value = serde_json::from_str(&stdout).map_err(|e| format!("{e}: {stdout}"))?;
    endpoint.stop();

    assert_eq!(report["boto3"], "1.44.5");

    let converse = &report["converse"];
    let hello = "Hello from a scenario rule, streamed to you in several small pieces.";
    assert_eq!(converse["text"], hello);
    assert_eq!(converse["stop_reason"], "end_turn");
    let (input, output) = (
        bedrock_local::tokens::count("hello there"),
        bedrock_local::tokens::count(hello),
    );
    assert_eq!(
        converse["usage"],
        json!({"inputTokens": input, "outputTokens": output, "totalTokens": input + output})
    );
    assert_eq!(converse["has_latency"], true);
    assert_ne!(converse["request_id"], "");

    let text = &report["stream_text"];
    assert_eq!(text["text"], hello);
    assert!(text["text_deltas"].as_u64().unwrap_or(0) >= 5, "{text}");
    assert_eq!(text["stop_reason"], "end_turn");
    assert_eq!(text["events"][0], "messageStart");
    assert_eq!(
        text["events"].as_array().and_then(|e| e.last()),
        Some(&json!("metadata"))
    );
    assert_eq!(text["usage"]["outputTokens"], output);

    let tool = &report["stream_tool"];
    assert_eq!(tool["text"], "Let me check.");
    assert_eq!(tool["tool_name"], "get_weather");
    assert_eq!(
        tool["tool_input"],
        json!({"location": "Paris", "unit": "celsius"})
    );
    assert!(
        tool["tool_input_deltas"].as_u64().unwrap_or(0) >= 2,
        "{tool}"
    );
    assert_eq!(tool["stop_reason"], "tool_use");

    let invoke = &report["invoke_model"];
    assert_eq!(invoke["content_type"], "application/json");
    assert_eq!(invoke["text"], "Native answer.");
    assert_eq!(invoke["stop_reason"], "end_turn");

    assert_eq!(
        report["error"],
        json!({
            "code": "ValidationException",
            "message": "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
            "status": 400
        })
    );
    assert_eq!(
        report["throttled_then_answered"],
        json!({"text": "Made it on attempt three.", "attempts": 3})
    );

    let refused =
        |message: &str| json!({"code": "ValidationException", "message": message, "status": 400});
    assert_eq!(
        report["count_tokens"],
        json!({
            "bare_id": bedrock_local::tokens::count("count these words please"),
            "profile": refused(messages::COUNT_TOKENS_UNSUPPORTED),
            "nova": refused(messages::COUNT_TOKENS_UNSUPPORTED),
        })
    );

    let every = |outcome: Value| json!({"converse": outcome, "converse_stream": outcome, "invoke_model": outcome, "count_tokens": outcome});
    let not_found = |message: &str| json!({"code": "ResourceNotFoundException", "message": message, "status": 404});
    assert_eq!(
        report["lifecycle"],
        json!({
            "before_launch": every(refused(messages::INVALID_MODEL)),
            "active": every(json!("ok")),
            "legacy_used": every(json!("ok")),
            "legacy_unused": every(not_found(messages::LEGACY_NOT_RECENTLY_USED)),
            "after_end_of_life": every(not_found(messages::END_OF_LIFE)),
        })
    );
    for (_, ep) in days {
        ep.stop();
    }

    // 5,000 tokens of system prompt before the checkpoint, then "hello there".
    let (prefix, rest) = (5_000, input);
    let usage = |read: u32, write: u32| {
        let mut usage = json!({
            "inputTokens": rest, "outputTokens": output,
            "totalTokens": rest + read + write + output,
            "cacheReadInputTokens": read, "cacheWriteInputTokens": write,
        });
        if write > 0 {
            usage["cacheDetails"] = json!([{"ttl": "5m", "inputTokens": write}]);
        }
        usage
    };
    let cache = &report["prompt_cache"];
    assert_eq!(cache["write"], usage(0, prefix), "{cache}");
    assert_eq!(cache["read"], usage(prefix, 0), "{cache}");
    assert_eq!(cache["streamed_read"], usage(prefix, 0), "{cache}");
    assert_eq!(cache["clock"], json!({"now_seconds": 301.0}));
    assert_eq!(cache["after_expiry"], usage(0, prefix), "{cache}");
    assert_eq!(
        cache["five_checkpoints"],
        refused(
            "The model returned the following errors: A maximum of 4 blocks with cache_control may be provided. Found 5."
        )
    );
    with_clock.stop();

    assert_eq!(
        report["thinking"],
        json!({
            "kinds": ["reasoningContent", "text"],
            "reasoning": "Six times seven is forty-two.",
            "signed": true,
            "text": "The answer is 42.",
            "loop_kinds": ["reasoningContent", "text"],
            "loop_text": "It is sunny in Paris.",
        })
    );
    assert_eq!(
        report["thinking_stream"],
        json!({
            "deltas": ["reasoning", "signature", "text"],
            "reasoning": "Six times seven is forty-two.",
            "signatures": 1,
            "text": "The answer is 42.",
        })
    );
    let structured = &report["structured"];
    assert_eq!(
        structured["value"],
        json!({
            "traveller": {"name": "Ada Lovelace", "age": 36},
            "city": "Lisbon",
            "stops": [{"place": "[bedrock-local] place", "kind": "museum"}],
        })
    );
    assert_eq!(
        bedrock_local::structured::conforms(&structured["schema"], &structured["value"]),
        Ok(())
    );

    let guard = &report["guardrails"];
    let blocked_input =
        "Sorry, this workshop's guardrail does not let me answer that. (blocked input)";
    let blocked_output = "Sorry, this workshop's guardrail withheld the answer. (blocked output)";
    let topic =
        json!({"name": "Investment advice", "type": "DENY", "action": "BLOCKED", "detected": true});
    assert_eq!(
        guard["topic"],
        json!({"text": blocked_input, "stop_reason": "guardrail_intervened",
               "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
               "trace": {"topics": [topic]}})
    );
    assert_eq!(
        guard["masked"],
        json!({"text": "You can write to {EMAIL} or call {PHONE}.", "stop_reason": "guardrail_intervened",
               "pii": [{"match": "help@example.com", "type": "EMAIL", "action": "ANONYMIZED", "detected": true},
                       {"match": "555-123-4567", "type": "PHONE", "action": "ANONYMIZED", "detected": true}],
               "model_output": ["You can write to help@example.com or call 555-123-4567."]})
    );
    assert_eq!(
        guard["stream"],
        json!({"text": blocked_output, "stop_reason": "guardrail_intervened", "topics": [topic]})
    );
    assert_eq!(
        guard["apply"],
        json!({"action": "GUARDRAIL_INTERVENED", "outputs": [{"text": "Mail {EMAIL}"}],
               "pii": [{"match": "jane@example.com", "type": "EMAIL", "action": "ANONYMIZED", "detected": true}]})
    );
    assert_eq!(
        guard["unknown"],
        refused(bedrock_catalog::guardrail::NOT_FOUND)
    );
    assert_eq!(
        guard["unknown_apply"],
        refused(bedrock_catalog::guardrail::NOT_FOUND)
    );
    Ok(())
}

/// Runs the script with `args` against `endpoint`, signed with `keys`, and parses its report.
fn script_report(
    python: &Path,
    endpoint: &str,
    keys: &Credentials,
    args: &[&str],
) -> Result<Value, TestError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("boto3")
        .join("check_bedrock_local.py");
    let mut command = Command::new(python);
    command.arg(&script).args(args);
    aws_isolated(
        &mut command,
        endpoint,
        &keys.access_key_id,
        &keys.secret_access_key,
        bedrock_local::DEFAULT_REGION,
    );
    let stdout = run(&mut command, "the boto3 script")?;
    Ok(serde_json::from_str(&stdout).map_err(|e| format!("{e}: {stdout}"))?)
}

#[test]
fn boto3_through_the_recorder_and_from_its_recording_sees_the_same_answers_and_events() -> TestResult
{
    use bedrock_local::record::{RecordConfig, Recorder, Upstream};
    let python = venv_python("boto3-venv", REQUIREMENTS, "boto3/requirements.txt", &[])?;
    let upstream_keys = Credentials::random();
    let upstream = bedrock_local::start(
        Config::default()
            .date(bedrock_catalog::parse_date("2026-12-02")?)
            .credentials(upstream_keys.clone())
            .scenarios(ScenarioSet::from_toml_str("sdk_rust/rules.toml", RULES)?),
    )?;
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("boto3.toml");
    let recorder = Recorder::start(
        RecordConfig::new(Upstream::Url(upstream.endpoint_url()), &out)
            .upstream_credentials(upstream_credentials(&upstream_keys)),
    )?;
    let recorded = script_report(
        &python,
        &recorder.endpoint_url(),
        recorder.credentials(),
        &["replayable"],
    )?;
    let local_keys = recorder.credentials().clone();
    recorder.stop();
    upstream.stop();

    let text = std::fs::read_to_string(&out)?;
    for secret in [
        &upstream_keys.access_key_id,
        &upstream_keys.secret_access_key,
        &local_keys.access_key_id,
        &local_keys.secret_access_key,
    ] {
        assert!(
            !text.contains(secret.as_str()),
            "a key in the recording:\n{text}"
        );
    }
    // The converse, two streams, the native call, the error and the thinking loop's three calls.
    assert_eq!(ScenarioSet::from_file(&out)?.len(), 8, "{text}");
    assert_eq!(recorded["thinking"]["signed"], true);
    assert_eq!(recorded["thinking"]["loop_text"], "It is sunny in Paris.");
    assert_eq!(
        recorded["converse"]["output"]["message"]["content"][0]["text"],
        "Hello from a scenario rule, streamed to you in several small pieces."
    );
    assert_eq!(recorded["stream_tool"]["tool_name"], "get_weather");
    assert_eq!(recorded["error"]["code"], "AccessDeniedException");

    let replay = bedrock_local::start(
        Config::default()
            .date(bedrock_catalog::parse_date("2026-12-02")?)
            .scenarios(ScenarioSet::from_file(&out)?.merge(ScenarioSet::builtin())),
    )?;
    let replayed = script_report(
        &python,
        &replay.endpoint_url(),
        replay.credentials(),
        &["replayable"],
    )?;
    replay.stop();
    assert_eq!(replayed, recorded);
    Ok(())
}

/// The upstream's keys as the SDK's credentials type, which the recorder signs with.
fn upstream_credentials(keys: &Credentials) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        None,
        None,
        "upstream",
    )
}

#[test]
fn boto3_gets_a_local_models_answers_stream_tool_call_native_body_and_its_failures() -> TestResult {
    let python = venv_python("boto3-venv", REQUIREMENTS, "boto3/requirements.txt", &[])?;
    let server = llama::shared()?;
    let keys = Credentials::random();
    let backed = |model: &str, url: &str| -> Result<LocalEndpoint, TestError> {
        let backend =
            bedrock_local::Backend::openai(url)?.model_map(bedrock_local::ModelMap::new(model));
        Ok(bedrock_local::start(
            Config::default()
                .date(bedrock_catalog::parse_date("2026-12-02")?)
                .credentials(keys.clone())
                .backend(backend),
        )?)
    };
    let endpoint = backed(&server.model, &server.url)?;
    let missing = backed("no-such-model", &server.url)?;
    let free_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let down = backed(&server.model, &format!("http://127.0.0.1:{free_port}"))?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("boto3/check_local_model.py");
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .env("BEDROCK_LOCAL_MISSING_ENDPOINT", missing.endpoint_url())
        .env("BEDROCK_LOCAL_DOWN_ENDPOINT", down.endpoint_url());
    aws_isolated(
        &mut command,
        &endpoint.endpoint_url(),
        &keys.access_key_id,
        &keys.secret_access_key,
        endpoint.region(),
    );
    let stdout = run(&mut command, "the boto3 local-model script")?;
    let report: Value = serde_json::from_str(&stdout).map_err(|e| format!("{e}: {stdout}"))?;

    let converse = &report["converse"];
    assert!(
        converse["text"].as_str().is_some_and(|t| !t.is_empty()),
        "{converse}"
    );
    assert_eq!(converse["stop_reason"], "max_tokens");
    assert_eq!(converse["usage"]["outputTokens"], 10);
    assert_eq!(
        converse["marker"],
        messages::local_model_answer(&server.model, &server.url)
    );

    let stream = &report["converse_stream"];
    let events: Vec<&str> = stream["events"]
        .as_array()
        .map(|e| e.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(events.first(), Some(&"messageStart"));
    assert_eq!(events.last(), Some(&"metadata"));
    assert!(stream["deltas"].as_u64().unwrap_or(0) >= 2, "{stream}");
    assert_eq!(stream["stop_reason"], "max_tokens");
    assert_eq!(stream["usage"]["outputTokens"], stream["deltas"]);

    let tool = &report["tool_call"];
    assert_eq!(tool["stop_reason"], "tool_use");
    assert_eq!(tool["calls"][0]["name"], "get_weather");
    let city = &tool["calls"][0]["input"]["city"];
    assert!(
        *city == json!("Paris") || *city == json!("Berlin"),
        "{tool}"
    );

    let invoke = &report["invoke"];
    assert_eq!(invoke["stop_reason"], "max_tokens");
    assert_eq!(invoke["usage"]["output_tokens"], 8);
    assert!(
        invoke["text"].as_str().is_some_and(|t| !t.is_empty()),
        "{invoke}"
    );

    assert_eq!(report["missing_model"]["code"], "ModelErrorException");
    assert!(
        report["missing_model"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"no-such-model\"")),
        "{report}"
    );
    assert_eq!(report["server_down"]["code"], "ServiceUnavailableException");
    Ok(())
}
