//! The Converse request as JSON, taken from the SDK's own serializer at the moment it would be
//! transmitted, so what a notebook shows is what goes over the wire.
//!
//! A hand-written JSON rendering of [`Request`] would be a second serializer that must happen to
//! agree with the SDK's (number formatting, member names, optional members); capturing the body
//! through an interceptor leaves one serializer. The SDK exposes no public "serialize only" call,
//! and the interceptor is its documented hook for reading a request before it is sent.

use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_bedrockruntime::config::{ConfigBag, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use serde_json::{Map, Value};

use crate::backend::Bedrock;
use crate::error::{Error, Result};
use crate::request::Request;
use crate::session::wait;

/// Why the interceptor stops the call: it reached the point of sending, nothing more is wanted.
const CAPTURED: &str = "bedrock-kit captured the request body; it was not sent";

/// Keeps the body of the request about to be transmitted, then stops the call.
#[derive(Debug, Default)]
pub(crate) struct CaptureBody {
    body: Arc<Mutex<Option<Vec<u8>>>>,
}

impl CaptureBody {
    /// Where the body lands, to read after the call.
    pub(crate) fn slot(&self) -> Arc<Mutex<Option<Vec<u8>>>> {
        Arc::clone(&self.body)
    }

    /// The body captured in `slot`, if the call got that far.
    pub(crate) fn take(slot: &Mutex<Option<Vec<u8>>>) -> Option<Vec<u8>> {
        // Only the interceptor writes, once, so a poisoned lock still holds a whole value.
        slot.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Intercept for CaptureBody {
    fn name(&self) -> &'static str {
        "bedrock-kit CaptureBody"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let bytes = context.request().body().bytes().map(<[u8]>::to_vec);
        // Only this function writes, once, so a poisoned lock still holds a whole value.
        *self.body.lock().unwrap_or_else(PoisonError::into_inner) = bytes;
        Err(CAPTURED.into())
    }
}

impl Bedrock {
    /// The Converse request exactly as [`send`](Self::send) puts it on the wire from this
    /// handle: `modelId` (the id in the URL: the region's inference profile when the model needs
    /// one), then the body the SDK serializes, with the model's rules applied. Nothing is sent.
    ///
    /// Numbers appear as the SDK writes them: a temperature of `0.4` is an `f32`, sent as
    /// `0.4000000059604645`. Keys inside JSON documents (tool schemas and inputs, additional
    /// fields) are in the order of this call: the SDK holds documents in hash maps, so that
    /// order changes from call to call (JSON objects are unordered, so Bedrock reads them alike).
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::local()?;
    /// let request = bedrock_kit::Request::new("Hi").temperature(0.5).top_p(0.9);
    /// let json = bedrock.to_json("Claude Sonnet 4.5", &request)?;
    /// assert_eq!(json["modelId"], "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    /// assert!(json["inferenceConfig"].get("topP").is_none()); // Claude 4.5: temperature or topP
    /// # Ok(()) }
    /// ```
    pub fn to_json(&self, model: &str, request: &Request) -> Result<Value> {
        wait(self.to_json_async(model, request))
    }

    /// [`to_json`](Self::to_json) for async code.
    pub async fn to_json_async(&self, model: &str, request: &Request) -> Result<Value> {
        let prepared = self.prepare(model, request)?;
        let bytes = self
            .session
            .capture(self.call(&prepared.id), prepared.input)
            .await?;
        let body: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|error| {
            Error::invalid(format!(
                "the SDK's request body is not a JSON object: {error}"
            ))
        })?;
        let mut json = Map::new();
        json.insert("modelId".into(), Value::String(prepared.id));
        json.extend(body);
        Ok(Value::Object(json))
    }
}
