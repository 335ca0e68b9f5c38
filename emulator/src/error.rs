//! The one error type of the wire protocol, rendered exactly as Bedrock renders its errors.
//!
//! Clients read the code from the `x-amzn-ErrorType` header (`Code:namespace`), the request id
//! from `x-amzn-RequestId`, and the message from the JSON body `{"message": ...}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The namespace suffix Bedrock appends to the error code in `x-amzn-ErrorType`.
const ERROR_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazon.bedrock/";

/// A Bedrock error answer: HTTP status, error code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} ({status}): {message}")]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Error code as clients match it, e.g. `ValidationException`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

impl ApiError {
    /// Any error with an explicit status and code.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// `ValidationException` (400).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message)
    }

    /// `AccessDeniedException` (403).
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "AccessDeniedException", message)
    }

    /// `ResourceNotFoundException` (404).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "ResourceNotFoundException", message)
    }

    /// `ModelTimeoutException` (408).
    pub fn model_timeout(message: impl Into<String>) -> Self {
        Self::new(408, "ModelTimeoutException", message)
    }

    /// `InternalServerException` (500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalServerException", message)
    }

    /// `MissingAuthenticationTokenException` (403): no credentials at all.
    pub fn missing_authentication() -> Self {
        Self::new(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    }

    /// `UnrecognizedClientException` (403): an access key or token this endpoint does not know.
    pub fn unrecognized_client() -> Self {
        Self::new(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    /// `InvalidSignatureException` (403) with a specific message.
    pub fn invalid_signature(message: impl Into<String>) -> Self {
        Self::new(403, "InvalidSignatureException", message)
    }

    /// The HTTP status, falling back to 500 for a code outside the HTTP range.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The exception name in lowerCamel, as event-stream exception frames spell it.
    pub fn lower_camel_code(&self) -> String {
        lower_camel(&self.code)
    }
}

/// `ThrottlingException` → `throttlingException`.
pub(crate) fn lower_camel(code: &str) -> String {
    let mut chars = code.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut response = (self.status_code(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // A code is caller-controlled only through scenario files; an unencodable one degrades
        // to the generic server error instead of panicking.
        let error_type = HeaderValue::from_str(&format!("{}:{ERROR_NAMESPACE}", self.code))
            .unwrap_or_else(|_| {
                HeaderValue::from_static(
                    "InternalServerException:http://internal.amazon.com/coral/com.amazon.bedrock/",
                )
            });
        headers.insert("x-amzn-ErrorType", error_type);
        response
    }
}
