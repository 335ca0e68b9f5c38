//! The one error type of the wire protocol, rendered exactly as Bedrock renders its errors.
//!
//! Clients read the code from the `x-amzn-ErrorType` header (`Code:namespace`), the request id
//! from `x-amzn-RequestId`, and the message from the JSON body `{"message": ...}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The namespace suffix Bedrock appends to the error code in `x-amzn-ErrorType`.
const ERROR_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazon.bedrock/";

/// Bedrock's message for expired temporary credentials, with status 403: quoted in the issue
/// that asks for it, anthropics/claude-code#28032 ("HTTP 403 with ExpiredTokenException: \"The
/// security token included in the request is expired\""), and shown by AWS re:Post,
/// <https://repost.aws/knowledge-center/ec2-expired-token>.
const EXPIRED_TOKEN_MESSAGE: &str = "The security token included in the request is expired";

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

    /// `ExpiredTokenException` (403): a key from a credentials file past its `Expiration`.
    pub fn expired_token() -> Self {
        Self::new(403, "ExpiredTokenException", EXPIRED_TOKEN_MESSAGE)
    }

    /// `InvalidSignatureException` (403) with a specific message.
    pub fn invalid_signature(message: impl Into<String>) -> Self {
        Self::new(403, "InvalidSignatureException", message)
    }

    /// The HTTP status, falling back to 500 for a code outside the HTTP range.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// A broken prompt-caching rule, answered as Bedrock answers it (403 for a model without
/// prompt caching, 400 otherwise).
impl From<bedrock_catalog::CacheRuleError> for ApiError {
    fn from(error: bedrock_catalog::CacheRuleError) -> Self {
        ApiError::new(error.status(), error.error_code(), error.bedrock_message())
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
