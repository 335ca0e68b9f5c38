//! `LOCAL_ANSWER_HEADER` on every answer: successes, streams, errors, unknown operations, stats.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::Request;
use bedrock_catalog::messages::LOCAL_ANSWER_HEADER;
use common::*;
use serde_json::json;

fn assert_marked(reply: &Reply, what: &str) {
    let (name, value) = LOCAL_ANSWER_HEADER;
    assert_eq!(
        reply.headers.get_all(name).iter().collect::<Vec<_>>(),
        [value],
        "{what}"
    );
}

#[tokio::test]
async fn converse_converse_stream_and_invoke_model_answers_carry_the_local_answer_header() {
    let converse = call(NOVA, "converse", &converse_body("hello there")).await;
    assert_eq!(converse.status, 200);
    assert_marked(&converse, "Converse");

    let stream = call(NOVA, "converse-stream", &converse_body("hello there")).await;
    assert_eq!(stream.status, 200);
    assert_eq!(
        stream.headers["content-type"],
        "application/vnd.amazon.eventstream"
    );
    assert_marked(&stream, "ConverseStream");

    let native = json!({
        "schemaVersion": "messages-v1",
        "messages": [{ "role": "user", "content": [{ "text": "hello there" }] }]
    });
    let invoke = call(NOVA, "invoke", &native).await;
    assert_eq!(invoke.status, 200);
    assert_marked(&invoke, "InvokeModel");
}

#[tokio::test]
async fn errors_unknown_operations_and_stats_carry_the_local_answer_header() {
    let invalid = call(NOVA, "converse", &json!({ "messages": [] })).await;
    assert_eq!(invalid.error_code(), "ValidationException");
    assert_marked(&invalid, "a ValidationException");

    let throttled = call(NOVA, "converse", &converse_body("throttle me")).await;
    assert_eq!(throttled.error_code(), "ThrottlingException");
    assert_marked(&throttled, "a scripted fault");

    let unsigned = Request::post(path(NOVA, "converse"))
        .body(Body::from(converse_body("x").to_string()))
        .unwrap();
    let refused = send(router(), unsigned).await;
    assert_eq!(refused.error_code(), "MissingAuthenticationTokenException");
    assert_marked(&refused, "an authentication refusal");

    let unknown = send(
        router(),
        Request::get("/model/x/converse")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(unknown.error_code(), "UnknownOperationException");
    assert_marked(&unknown, "an unknown operation (wrong method)");

    let stats = send(
        router(),
        Request::get(bedrock_local::STATS_PATH)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(stats.status, 200);
    assert_marked(&stats, "the stats");
}
