//! Property tests: random, truncated and wrongly typed bodies never panic the server and always
//! get either an answer or a well-formed Bedrock error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};

const OPERATIONS: [&str; 5] = [
    "converse",
    "converse-stream",
    "invoke",
    "invoke-with-response-stream",
    "count-tokens",
];
const MODELS: [&str; 7] = [
    HAIKU,
    NOVA,
    "us.meta.llama3-1-70b-instruct-v1:0",
    "us.deepseek.r1-v1:0",
    "amazon.titan-text-express-v1",
    "mistral.mistral-large-2402-v1:0",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn check_well_formed(reply: &common::Reply) {
    let status = reply.status.as_u16();
    assert!(
        status == 200 || (400..500).contains(&status),
        "status {status}: {}",
        String::from_utf8_lossy(&reply.bytes)
    );
    if status != 200 {
        let code = reply.error_code();
        assert!(code.ends_with("Exception"), "{code}");
        let body = reply.json();
        assert!(body["message"].is_string(), "{body}");
        assert!(reply.headers.contains_key("x-amzn-RequestId"));
    }
}

fn send_bytes(model: &str, operation: &str, body: &[u8]) -> common::Reply {
    runtime().block_on(send(router(), signed(&path(model, operation), body)))
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-10.0f64..10.0).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn valid_bodies() -> Vec<Value> {
    let mut with_tools = converse_body("What's the weather in San Francisco?");
    with_tools["toolConfig"] = weather_tools();
    with_tools["inferenceConfig"] =
        json!({"maxTokens": 100, "temperature": 0.5, "topP": 0.9, "stopSequences": ["x"]});
    with_tools["system"] = json!([{"text": "Be brief."}]);
    vec![
        with_tools,
        json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "system": "s",
               "messages": [{"role": "user", "content": [{"type": "text", "text": "hello there"}]}]}),
        json!({"prompt": "<s>[INST] hello there [/INST]", "max_tokens": 50, "temperature": 0.2}),
        json!({"inputText": "hello there", "textGenerationConfig": {"maxTokenCount": 50}}),
        json!({"input": {"converse": converse_body("hello there")}}),
    ]
}

/// Every path to a node of `value`, as JSON pointers.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| pointers(v, format!("{prefix}/{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| pointers(v, format!("{prefix}/{i}"), out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_get_a_well_formed_answer(body in prop::collection::vec(any::<u8>(), 0..256), op in 0usize..5, model in 0usize..7) {
        check_well_formed(&send_bytes(MODELS[model], OPERATIONS[op], &body));
    }

    #[test]
    fn random_json_gets_a_well_formed_answer(body in arb_json(), op in 0usize..5, model in 0usize..7) {
        check_well_formed(&send_bytes(MODELS[model], OPERATIONS[op], body.to_string().as_bytes()));
    }

    #[test]
    fn truncated_bodies_get_a_well_formed_answer(which in 0usize..5, cut in any::<prop::sample::Index>(), op in 0usize..5, model in 0usize..7) {
        let text = valid_bodies()[which].to_string();
        let at = cut.index(text.len() + 1);
        check_well_formed(&send_bytes(MODELS[model], OPERATIONS[op], &text.as_bytes()[..at]));
    }

    #[test]
    fn wrongly_typed_fields_get_a_well_formed_answer(which in 0usize..5, node in any::<prop::sample::Index>(), replacement in arb_json(), op in 0usize..5, model in 0usize..7) {
        let mut body = valid_bodies()[which].clone();
        let mut all = Vec::new();
        pointers(&body, String::new(), &mut all);
        let pointer = &all[node.index(all.len())];
        if let Some(slot) = body.pointer_mut(pointer) {
            *slot = replacement;
        }
        check_well_formed(&send_bytes(MODELS[model], OPERATIONS[op], body.to_string().as_bytes()));
    }
}
