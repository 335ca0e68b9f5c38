//! Turning the SDK's errors into [`Error`] with Bedrock's code and message kept.

use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};

use bedrock_catalog::messages::{is_end_of_life, is_legacy_refusal, is_on_demand_refusal};

use crate::backend::Bedrock;
use crate::error::Error;

impl Bedrock {
    /// Maps any SDK error of a call to `model` to an actionable [`Error`].
    pub(crate) fn map_error<E, R>(&self, model: &str, error: SdkError<E, R>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let code = error.code().map(str::to_string);
        let message = error.message().map(str::to_string);
        let full = source_chain(&error);
        match error {
            SdkError::ServiceError(_) => {
                let code = code.unwrap_or_else(|| "Unknown".into());
                let message = message.unwrap_or_default();
                self.error_for_code(model, &code, message)
            }
            SdkError::TimeoutError(_) => Error::Timeout {
                what: format!("the call to {model}"),
                after: self.settings.operation_timeout,
            },
            SdkError::DispatchFailure(failure) => {
                if failure.is_timeout() {
                    Error::Timeout {
                        what: format!("connecting to {}", self.endpoint_label()),
                        after: self.settings.connect_timeout,
                    }
                } else {
                    Error::EndpointUnreachable {
                        endpoint: self.endpoint_label(),
                        message: full,
                    }
                }
            }
            SdkError::ResponseError(response) => Error::UnexpectedResponse {
                model: model.to_string(),
                message: format!("{:?}", response.raw()).chars().take(500).collect(),
            },
            SdkError::ConstructionFailure(_) => Error::invalid(full),
            _ => Error::Service {
                model: model.to_string(),
                code: code.unwrap_or_else(|| "Unknown".into()),
                message: full,
            },
        }
    }

    /// Maps an AWS error code and message.
    pub(crate) fn error_for_code(&self, model: &str, code: &str, message: String) -> Error {
        let model = model.to_string();
        match code {
            "AccessDeniedException" => Error::AccessDenied { model, message },
            "ValidationException" if is_on_demand_refusal(&message) => {
                Error::OnDemandNotSupported {
                    model,
                    region: self.region.clone(),
                    message,
                }
            }
            "ValidationException" => Error::Validation { model, message },
            "ResourceNotFoundException"
                if is_end_of_life(&message) || is_legacy_refusal(&message) =>
            {
                retirement(model, message)
            }
            "ResourceNotFoundException" => Error::ModelNotFound {
                model,
                region: self.region.clone(),
                message,
            },
            "ThrottlingException" | "ModelNotReadyException" | "ServiceUnavailableException" => {
                Error::Throttled {
                    model,
                    code: code.to_string(),
                    attempts: self.settings.max_attempts,
                    message,
                }
            }
            "ModelTimeoutException" => Error::Timeout {
                what: format!("model {model} ({message})"),
                after: self.settings.operation_timeout,
            },
            _ => Error::Service {
                model,
                code: code.to_string(),
                message,
            },
        }
    }

    pub(crate) fn endpoint_label(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("https://bedrock-runtime.{}.amazonaws.com", self.region))
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
        }
    } else {
        Error::Legacy {
            since: lifecycle.and_then(|l| l.legacy),
            replacement,
            model,
            message,
        }
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
