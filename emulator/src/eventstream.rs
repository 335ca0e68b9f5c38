//! Event-stream frames (`application/vnd.amazon.eventstream`) for the two streaming operations.
//!
//! Frames are encoded by `aws-smithy-eventstream`, the same crate the Rust SDK decodes them with.

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use serde_json::Value;

/// The response content type of a streaming operation.
pub const CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

/// An `event` frame: `:event-type` names the event, the payload is its bare JSON structure.
pub fn event(event_type: &str, payload: &Value) -> Bytes {
    let message = Message::new(Bytes::from(payload.to_string()))
        .add_header(header(":message-type", "event"))
        .add_header(header(":event-type", event_type))
        .add_header(header(":content-type", "application/json"));
    encode(&message)
}

/// An `event` frame whose payload is given as received (a recording replays it byte for byte).
pub fn event_raw(event_type: &str, payload: Bytes) -> Bytes {
    let message = Message::new(payload)
        .add_header(header(":message-type", "event"))
        .add_header(header(":event-type", event_type))
        .add_header(header(":content-type", "application/json"));
    encode(&message)
}

/// An `exception` frame whose payload is given as received.
pub fn exception_raw(exception_type: &str, payload: Bytes) -> Bytes {
    let message = Message::new(payload)
        .add_header(header(":message-type", "exception"))
        .add_header(header(":exception-type", exception_type))
        .add_header(header(":content-type", "application/json"));
    encode(&message)
}

/// An `exception` frame: `exception_type` in lowerCamel (`throttlingException`), payload `{"message"}`.
pub fn exception(exception_type: &str, message: &str) -> Bytes {
    let payload = serde_json::json!({ "message": message }).to_string();
    let message = Message::new(Bytes::from(payload))
        .add_header(header(":message-type", "exception"))
        .add_header(header(":exception-type", exception_type))
        .add_header(header(":content-type", "application/json"));
    encode(&message)
}

fn header(name: &'static str, value: &str) -> Header {
    Header::new(name, HeaderValue::String(value.to_string().into()))
}

fn encode(message: &Message) -> Bytes {
    let mut buffer: Vec<u8> = Vec::with_capacity(message.payload().len() + 128);
    // Encoding only fails for headers or payloads beyond the format's size limits (16 MiB
    // payload, 128 KiB headers), which the endpoint's own answers never reach; an empty frame
    // would then end the stream visibly rather than corrupt it.
    match aws_smithy_eventstream::frame::write_message_to(message, &mut buffer) {
        Ok(()) => Bytes::from(buffer),
        Err(_) => Bytes::new(),
    }
}
