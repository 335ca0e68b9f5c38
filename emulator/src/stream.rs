//! Pacing a planned sequence of event-stream frames into an HTTP response body, with the
//! scenario's mid-stream faults (an exception frame after K events, or a stall).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;

use crate::eventstream;

/// One frame and the pause before it is sent.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Wait this long, then send.
    pub delay: Duration,
    /// The encoded frame.
    pub frame: Bytes,
}

/// How the stream ends after its planned frames.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// All frames, then the body closes.
    Complete,
    /// `after_events` frames, then this exception frame, then the body closes.
    Exception {
        /// Frames sent before the exception.
        after_events: usize,
        /// lowerCamel exception type.
        exception_type: String,
        /// Message payload.
        message: String,
    },
    /// `after_events` frames, then nothing more until the client gives up.
    Stall {
        /// Frames sent before the stall.
        after_events: usize,
    },
}

/// An HTTP 200 event-stream response that sends `plan` at its pace and ends as `ending` says.
pub fn response(plan: Vec<Planned>, ending: Ending) -> Response {
    let (frames, tail): (Vec<Planned>, Option<Bytes>) = match &ending {
        Ending::Complete => (plan, None),
        Ending::Exception {
            after_events,
            exception_type,
            message,
        } => (
            plan.into_iter().take(*after_events).collect(),
            Some(eventstream::exception(exception_type, message)),
        ),
        Ending::Stall { after_events } => (plan.into_iter().take(*after_events).collect(), None),
    };
    let stall = matches!(ending, Ending::Stall { .. });
    let paced = futures::stream::iter(frames).then(|p| async move {
        if !p.delay.is_zero() {
            tokio::time::sleep(p.delay).await;
        }
        Ok::<Bytes, Infallible>(p.frame)
    });
    let tail = futures::stream::iter(tail.map(Ok::<Bytes, Infallible>));
    let body = if stall {
        Body::from_stream(paced.chain(futures::stream::pending()))
    } else {
        Body::from_stream(paced.chain(tail))
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(eventstream::CONTENT_TYPE),
    );
    response
}
