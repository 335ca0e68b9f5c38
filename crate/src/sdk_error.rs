//! Turning the SDK's errors into [`Error`] with Bedrock's code, message and request id kept,
//! and the SDK's error itself as the source.

use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::RequestId;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;

use bedrock_catalog::messages::{
    is_end_of_life, is_legacy_refusal, is_local_model_failure, is_on_demand_refusal,
};

use crate::error::Error;
use crate::settings::Settings;

/// What an error message names besides the model: where the call went and its limits.
pub(crate) struct ErrorScope<'a> {
    /// The session region.
    pub region: &'a str,
    /// The endpoint URL.
    pub endpoint: &'a str,
    /// The settings of the call.
    pub settings: &'a Settings,
}

/// Maps any SDK error of a call to `model` to an actionable [`Error`].
pub(crate) fn map_sdk_error<E, R>(
    scope: &ErrorScope<'_>,
    model: &str,
    error: SdkError<E, R>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
    SdkError<E, R>: RequestId,
{
    let code = error.code().map(str::to_string);
    let message = error.message().map(str::to_string);
    let request_id = error.request_id().map(str::to_string);
    let full = source_chain(&error);
    let mapped = match &error {
        SdkError::ServiceError(_) => error_for_code(
            scope,
            model,
            code.as_deref().unwrap_or("Unknown"),
            message.unwrap_or_default(),
        ),
        SdkError::TimeoutError(_) => timeout(format!("the call to {model}"), scope, false),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            timeout(format!("connecting to {}", scope.endpoint), scope, true)
        }
        SdkError::DispatchFailure(_) => Error::EndpointUnreachable {
            endpoint: scope.endpoint.to_string(),
            message: full,
            request_id: None,
            source: None,
        },
        SdkError::ResponseError(response) => Error::UnexpectedResponse {
            model: model.to_string(),
            message: format!("{:?}", response.raw()).chars().take(500).collect(),
            request_id: None,
            source: None,
        },
        SdkError::ConstructionFailure(_) => return Error::invalid(full),
        _ => Error::Service {
            model: model.to_string(),
            code: code.unwrap_or_else(|| "Unknown".into()),
            message: full,
            request_id: None,
            source: None,
        },
    };
    mapped.with_call(request_id, Some(Box::new(error)))
}

fn timeout(what: String, scope: &ErrorScope<'_>, connecting: bool) -> Error {
    Error::Timeout {
        what,
        after: if connecting {
            scope.settings.connect_timeout
        } else {
            scope.settings.operation_timeout
        },
        request_id: None,
        source: None,
    }
}

/// Maps an AWS error code and message.
fn error_for_code(scope: &ErrorScope<'_>, model: &str, code: &str, message: String) -> Error {
    let model = model.to_string();
    let (request_id, source) = (None, None);
    // The local endpoint's model backend words its failures so: the Bedrock code alone would
    // get Bedrock's advice (quotas, retries) for a server that is simply not running.
    if is_local_model_failure(&message) {
        return Error::LocalModel {
            model,
            code: code.to_string(),
            message,
            request_id,
            source,
        };
    }
    match code {
        "AccessDeniedException" => Error::AccessDenied {
            model,
            message,
            request_id,
            source,
        },
        // Bedrock's code for a refused expired session token (boto3 and the Rust SDK both
        // surface it as the error code).
        "ExpiredTokenException" | "ExpiredToken" => Error::ExpiredCredentials {
            model,
            message,
            request_id,
            source,
        },
        "ValidationException" if is_on_demand_refusal(&message) => Error::OnDemandNotSupported {
            model,
            region: scope.region.to_string(),
            message,
            request_id,
            source,
        },
        "ValidationException" => Error::Validation {
            model,
            message,
            request_id,
            source,
        },
        "ResourceNotFoundException" if is_end_of_life(&message) || is_legacy_refusal(&message) => {
            retirement(model, message)
        }
        "ResourceNotFoundException" => Error::ModelNotFound {
            model,
            region: scope.region.to_string(),
            message,
            request_id,
            source,
        },
        "ThrottlingException" | "ModelNotReadyException" | "ServiceUnavailableException" => {
            Error::Throttled {
                model,
                code: code.to_string(),
                attempts: scope.settings.max_attempts,
                message,
                request_id,
                source,
            }
        }
        "ModelTimeoutException" => Error::Timeout {
            what: format!("model {model} ({message})"),
            after: scope.settings.operation_timeout,
            request_id,
            source,
        },
        _ => Error::Service {
            model,
            code: code.to_string(),
            message,
            request_id,
            source,
        },
    }
}

/// A lifecycle refusal, with the dates and the replacement the catalog knows for the model.
fn retirement(model: String, message: String) -> Error {
    let lifecycle = bedrock_catalog::find(&model).map(|m| &m.lifecycle);
    let replacement = lifecycle.and_then(|l| l.replacement.clone());
    if is_end_of_life(&message) {
        Error::EndOfLife {
            since: lifecycle.and_then(|l| l.end_of_life),
            replacement,
            model,
            message,
            request_id: None,
            source: None,
        }
    } else {
        Error::Legacy {
            since: lifecycle.and_then(|l| l.legacy),
            replacement,
            model,
            message,
            request_id: None,
            source: None,
        }
    }
}

/// The exception code and message of a failed stream `recv` (stream exceptions carry no
/// `code()`).
pub(crate) fn stream_failure<R: std::fmt::Debug>(
    error: SdkError<ConverseStreamOutputError, R>,
) -> (String, String) {
    match &error {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = match inner {
                ConverseStreamOutputError::ModelStreamErrorException(_) => {
                    "ModelStreamErrorException"
                }
                ConverseStreamOutputError::ThrottlingException(_) => "ThrottlingException",
                ConverseStreamOutputError::ValidationException(_) => "ValidationException",
                ConverseStreamOutputError::InternalServerException(_) => "InternalServerException",
                ConverseStreamOutputError::ServiceUnavailableException(_) => {
                    "ServiceUnavailableException"
                }
                _ => inner.code().unwrap_or("StreamError"),
            };
            (
                code.to_string(),
                inner.message().unwrap_or("the stream failed").to_string(),
            )
        }
        _ => ("StreamError".to_string(), source_chain(&error)),
    }
}

/// An error and its sources on one line.
pub(crate) fn source_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
