//! Answering with a recorded exchange, verbatim: the body or the event sequence an upstream sent,
//! at the pace it sent it, with the model headers it carried.
//!
//! A scenario rule written by `bedrock-local record` holds the answer as it came over the wire
//! (`reply.body`, `reply.events`); its readable fields (`text`, `tool_use`, ...) are for people.
//! Replaying the wire form keeps everything the upstream sent, also what this endpoint does not
//! model (citations, traces, a model's own signatures), byte for byte in bodies and chunks.

use bedrock_catalog::messages::{LOCAL_ANSWER_HEADER, RECORDED_ANSWER};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;

use crate::eventstream;
use crate::stream::{self, Ending, Planned};

/// One recorded answer, replayed as it was received.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// Response headers to send again: `content-type` and the `x-amzn-bedrock-*` model headers.
    pub headers: Vec<(String, String)>,
    /// What went over the wire.
    pub wire: Wire,
}

/// The recorded body of a plain answer, or the frames of a stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Wire {
    /// A plain answer (Converse, InvokeModel, CountTokens): the body, sent after `latency`.
    Body {
        /// The body text as received.
        body: String,
        /// How long the upstream took to answer.
        latency: Duration,
    },
    /// An event stream (ConverseStream, InvokeModelWithResponseStream), frame by frame.
    Events(Vec<RecordedEvent>),
}

/// One frame of a recorded stream and the pause before it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// Time since the previous frame (the first: since the request was sent).
    pub after: Duration,
    /// The frame.
    pub frame: Frame,
}

/// A recorded event-stream frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// An `event` frame: `:event-type` and its JSON payload as received.
    Event {
        /// `messageStart`, `contentBlockDelta`, ...
        event_type: String,
        /// The payload text.
        payload: String,
    },
    /// InvokeModelWithResponseStream's `chunk` event: the decoded `bytes` (the provider's JSON).
    Chunk(String),
    /// An `exception` frame: `:exception-type` and its payload (`{"message": ...}`).
    Exception {
        /// lowerCamel type, e.g. `throttlingException`.
        exception_type: String,
        /// The payload text.
        payload: String,
    },
}

impl Frame {
    /// The frame's bytes on the wire.
    fn encode(&self) -> Bytes {
        match self {
            Frame::Event {
                event_type,
                payload,
            } => eventstream::event_raw(event_type, Bytes::from(payload.clone())),
            Frame::Chunk(chunk) => eventstream::event(
                "chunk",
                &serde_json::json!({ "bytes": BASE64.encode(chunk.as_bytes()) }),
            ),
            Frame::Exception {
                exception_type,
                payload,
            } => eventstream::exception_raw(exception_type, Bytes::from(payload.clone())),
        }
    }
}

/// The response that replays `recorded`: a plain body waits its recorded latency first, a
/// stream sends each frame after its recorded pause.
pub async fn response(recorded: &Recorded) -> Response {
    let mut response = match &recorded.wire {
        Wire::Body { body, latency } => {
            if !latency.is_zero() {
                tokio::time::sleep(*latency).await;
            }
            let mut response = Response::new(Body::from(body.clone()));
            *response.status_mut() = StatusCode::OK;
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Wire::Events(events) => {
            let plan = events
                .iter()
                .map(|event| Planned {
                    delay: event.after,
                    frame: event.frame.encode(),
                })
                .collect();
            stream::response(plan, Ending::Complete)
        }
    };
    for (name, value) in &recorded.headers {
        // The loader only accepts names and values that parse, so nothing is dropped here.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    // A model's words from a recording, not a script: the marker says so (clients show it).
    response.headers_mut().insert(
        const { HeaderName::from_static(LOCAL_ANSWER_HEADER.0) },
        const { HeaderValue::from_static(RECORDED_ANSWER) },
    );
    response
}

/// Whether a response header is one a recording keeps and replays: the content type and the
/// model's `x-amzn-bedrock-*` headers (token counts, latency, the native stream's content type).
/// Request ids, dates and the local marker are the answering endpoint's own.
pub fn is_replayed_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "content-type" || name.starts_with("x-amzn-bedrock-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_type_and_model_headers_are_replayed() {
        assert!(is_replayed_header("Content-Type"));
        assert!(is_replayed_header("X-Amzn-Bedrock-Input-Token-Count"));
        assert!(!is_replayed_header("x-amzn-RequestId"));
        assert!(!is_replayed_header("x-bedrock-local"));
        assert!(!is_replayed_header("authorization"));
    }
}
