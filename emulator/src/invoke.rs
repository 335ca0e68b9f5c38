//! The InvokeModel response (the family's native body and the token-count headers) and the
//! InvokeModelWithResponseStream frames for a [`Reply`].

use std::time::Duration;

use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::answer::Reply;
use crate::converse;
use crate::eventstream;
use crate::providers;
use crate::stream::{self, Ending, Planned};
use bedrock_catalog::Model;

/// The InvokeModel answer: the native body, with usage and latency in `X-Amzn-Bedrock-*` headers.
pub fn response(reply: &Reply, model: &Model, request_id: &str) -> Response {
    let body = providers::render(reply, model, &message_id(request_id));
    let mut response = axum::Json(body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "X-Amzn-Bedrock-Input-Token-Count",
            reply.input_tokens.to_string(),
        ),
        (
            "X-Amzn-Bedrock-Output-Token-Count",
            reply.output_tokens.to_string(),
        ),
        (
            "X-Amzn-Bedrock-Invocation-Latency",
            converse::millis(reply.latency).to_string(),
        ),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// The InvokeModelWithResponseStream answer: the `chunk` frames paced, ending as `ending` says.
pub fn stream_response(reply: &Reply, model: &Model, request_id: &str, ending: Ending) -> Response {
    let mut response = stream::response(stream_plan(reply, model, request_id), ending);
    response.headers_mut().insert(
        "X-Amzn-Bedrock-Content-Type",
        HeaderValue::from_static("application/json"),
    );
    response
}

fn message_id(request_id: &str) -> String {
    format!(
        "msg_bdrk_{}",
        request_id.replace('-', "").get(..24).unwrap_or_default()
    )
}

/// InvokeModelWithResponseStream frames: `chunk` events carrying base64 provider JSON, the last
/// with `amazon-bedrock-invocationMetrics`.
fn stream_plan(reply: &Reply, model: &Model, request_id: &str) -> Vec<Planned> {
    let mut chunks = providers::stream_chunks(reply, model, &message_id(request_id));
    let delays: Vec<Duration> = chunks
        .iter()
        .enumerate()
        .map(|(i, (_, n))| {
            if i == 0 {
                reply.first_wait()
            } else {
                reply.pause_for(*n)
            }
        })
        .collect();
    // The first wait is the latency itself, or none when it was measured (already waited).
    let total = reply.latency + delays.iter().skip(1).sum::<Duration>();
    if let Some((Value::Object(last), _)) = chunks.last_mut() {
        last.insert(
            "amazon-bedrock-invocationMetrics".to_string(),
            json!({
                "inputTokenCount": reply.input_tokens,
                "outputTokenCount": reply.output_tokens,
                "invocationLatency": converse::millis(total),
                "firstByteLatency": converse::millis(reply.latency),
            }),
        );
    }
    chunks
        .into_iter()
        .zip(delays)
        .map(|((chunk, _), delay)| Planned {
            delay,
            frame: eventstream::event(
                "chunk",
                &json!({ "bytes": BASE64.encode(chunk.to_string()) }),
            ),
        })
        .collect()
}
