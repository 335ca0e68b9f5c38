//! One error type for every call, with messages that say what happened and what to do.

use std::time::Duration;

use crate::reply::Reply;

/// The SDK's error behind an [`Error`], reachable as its [`source`](std::error::Error::source).
pub type SdkError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type of every fallible call in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to Bedrock, each with the next step to take.
///
/// Errors from Bedrock keep the AWS error code ([`Error::code`]) and Bedrock's own message
/// ([`Error::message`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The account has no access to the model (`AccessDeniedException`).
    #[error(
        "access denied to model {model}: {message} Enable it in the Bedrock console: Model access \
         (Bedrock > Configure and learn > Model access) > Modify model access, tick the model, \
         submit; some models also need a use-case form. Check the IAM policy allows \
         bedrock:InvokeModel for this model and its inference profile"
    )]
    AccessDenied {
        /// The model id that was called.
        model: String,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// The bare model id cannot be invoked on demand and no inference profile fits this region.
    #[error(
        "model {model} cannot be called on demand in {region}: {message} Call it through an \
         inference profile: `bedrock.models()` lists the id to call for each model in {region} \
         (calling by display name picks it); if it shows the bare id, the model has no profile \
         here, so switch to a region that offers one"
    )]
    OnDemandNotSupported {
        /// The model id that was called.
        model: String,
        /// The session region.
        region: String,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// The name is neither a catalog model nor something shaped like a model id.
    #[error("unknown model {name:?}: use a display name from `bedrock.models()` or a model id{}", suggest(.suggestions))]
    UnknownModel {
        /// What was asked for.
        name: String,
        /// Close catalog names.
        suggestions: Vec<String>,
    },

    /// Bedrock kept throttling after every retry attempt.
    #[error(
        "model {model} is throttled ({code}) after {attempts} attempts: {message} Wait a minute, \
         lower the request rate, raise `Settings::max_attempts`, use adaptive retries, or ask for a \
         quota increase in Service Quotas"
    )]
    Throttled {
        /// The model id that was called.
        model: String,
        /// `ThrottlingException`, `ModelNotReadyException` or `ServiceUnavailableException`.
        code: String,
        /// Attempts made.
        attempts: u32,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// Bedrock rejected the request (`ValidationException`): its message says why.
    #[error("Bedrock rejected the request to {model}: {message}")]
    Validation {
        /// The model id that was called.
        model: String,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// The model does not exist in this region, or is legacy for this account.
    #[error(
        "model {model} was not found in {region}: {message} Check the id with `bedrock.models()`, \
         pick a region that offers the model, or choose a current model if it is marked legacy"
    )]
    ModelNotFound {
        /// The model id that was called.
        model: String,
        /// The session region.
        region: String,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// The model has reached its end of life: Bedrock no longer serves it, in any region.
    #[error(
        "model {model} reached its end of life{} and Bedrock no longer serves it ({message}) {}",
        since.map(|d| format!(" on {d}")).unwrap_or_default(),
        replacement_advice(replacement.as_deref())
    )]
    EndOfLife {
        /// The model id that was called.
        model: String,
        /// Its end-of-life date, from the catalog.
        since: Option<bedrock_catalog::Date>,
        /// The catalog model that replaces it.
        replacement: Option<String>,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// The model is Legacy and this account has not used it recently, so Bedrock refuses it.
    #[error(
        "model {model} is Legacy{} and this account has not used it recently, so Bedrock refuses \
         it ({message}) {}",
        since.map(|d| format!(" since {d}")).unwrap_or_default(),
        replacement_advice(replacement.as_deref())
    )]
    Legacy {
        /// The model id that was called.
        model: String,
        /// The day it became Legacy, from the catalog.
        since: Option<bedrock_catalog::Date>,
        /// The catalog model that replaces it.
        replacement: Option<String>,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// A call, a connection or a stream took longer than allowed.
    #[error("{what} timed out after {after:?}: retry, or raise the timeout in `Settings`")]
    Timeout {
        /// What was waited for.
        what: String,
        /// The limit that was reached.
        after: Duration,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// Nothing answered at the endpoint.
    #[error(
        "cannot reach the Bedrock endpoint {endpoint}: {message} Check the network, the region, \
         or that the local endpoint is still running (start one with `Bedrock::local()`)"
    )]
    EndpointUnreachable {
        /// The endpoint URL.
        endpoint: String,
        /// What the connection attempt reported.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// A stream broke after it started; `partial` holds everything received before the break.
    #[error("the stream from {model} was interrupted ({code}): {message} Received so far: {} characters", partial.text.len())]
    StreamInterrupted {
        /// The model id that was called.
        model: String,
        /// The exception code or `Timeout`.
        code: String,
        /// What the stream reported.
        message: String,
        /// The reply as far as it arrived.
        partial: Box<Reply>,
    },

    /// Any other error Bedrock answered, with its code and message.
    #[error("Bedrock answered {code} for {model}: {message}")]
    Service {
        /// The model id that was called.
        model: String,
        /// The AWS error code.
        code: String,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// The local model server behind the local endpoint could not answer (it is not running,
    /// lacks the mapped model, failed or fell silent): the message names the cause and the fix.
    #[error("the local model server could not answer for {model} ({code}): {message}")]
    LocalModel {
        /// The model id that was called.
        model: String,
        /// The Bedrock error code the endpoint answered (`ServiceUnavailableException`, ...).
        code: String,
        /// The endpoint's message.
        message: String,
        /// The endpoint's request id.
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// Bedrock refused the credentials as expired (`ExpiredTokenException`). The session's
    /// credentials come from the SDK's chain, which refreshes those it can; keys given as fixed
    /// strings (environment variables, `at_endpoint`) cannot be refreshed.
    #[error(
        "the credentials signing calls to {model} have expired: {message} Keys from the \
         environment or given as strings cannot refresh: sign in again (`aws sso login`, \
         `aws login`) or use a profile, SSO, container or instance role, whose credentials the \
         session refreshes before they expire"
    )]
    ExpiredCredentials {
        /// The model id that was called.
        model: String,
        /// Bedrock's message.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// No AWS credentials were found for the AWS backend.
    #[error(
        "no AWS credentials: {message} Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run \
         `aws sso login` or `aws configure`, or use the local endpoint with BEDROCK_BACKEND=local"
    )]
    Credentials {
        /// What the credential chain reported.
        message: String,
    },

    /// The in-process local endpoint could not start (or the `local` feature is off).
    #[error("cannot start the local Bedrock endpoint: {message}")]
    LocalEndpoint {
        /// Why.
        message: String,
    },

    /// A model's answer did not fit the structure asked for (structured output).
    #[error("the answer of {model} is not a {wanted} ({problem}); it said: {text}")]
    Extraction {
        /// The model id that answered.
        model: String,
        /// The type or schema asked for.
        wanted: String,
        /// What did not fit.
        problem: String,
        /// What the model returned, so you can see what went wrong.
        text: String,
    },

    /// A prompt-cache checkpoint breaks the model's caching rules; nothing was sent.
    #[error("prompt cache checkpoints for {model}: {problem}")]
    PromptCache {
        /// The model id the request was for.
        model: String,
        /// Which rule, and what to change.
        problem: String,
    },

    /// The request could not be built (bad JSON, a missing model, an empty conversation).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong with it.
        message: String,
    },

    /// A model answered something this crate could not read.
    #[error("unexpected answer from {model}: {message}")]
    UnexpectedResponse {
        /// The model id that was called.
        model: String,
        /// What was wrong with it.
        message: String,
        /// Bedrock's request id, to quote to AWS support (when the call reached Bedrock).
        request_id: Option<String>,
        /// The SDK's own error, when the SDK reported one.
        source: Option<SdkError>,
    },

    /// The response cache's file cannot be used: another kernel or handle has it open, or it
    /// cannot be read or written. `reason` says which, and what to do.
    #[error("cannot use the response cache {}: {reason}", path.display())]
    ResponseCache {
        /// The cache file.
        path: std::path::PathBuf,
        /// What went wrong and what to do.
        reason: String,
    },

    /// A local operation failed (building the async runtime, a temporary directory, a process).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What to do instead of a retired model.
fn replacement_advice(replacement: Option<&str>) -> String {
    match replacement {
        Some(name) => format!("Use {name} instead (bedrock.models() lists what answers today)."),
        None => "Pick an Active model from bedrock.models().".to_string(),
    }
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", suggestions.join(", "))
    }
}

impl Error {
    /// The AWS error code (`ThrottlingException`, ...) when the error came from Bedrock.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::AccessDenied { .. } => Some("AccessDeniedException"),
            Error::ExpiredCredentials { .. } => Some("ExpiredTokenException"),
            Error::OnDemandNotSupported { .. } | Error::Validation { .. } => {
                Some("ValidationException")
            }
            Error::ModelNotFound { .. } | Error::EndOfLife { .. } | Error::Legacy { .. } => {
                Some("ResourceNotFoundException")
            }
            Error::Throttled { code, .. }
            | Error::StreamInterrupted { code, .. }
            | Error::LocalModel { code, .. }
            | Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Bedrock's own message when the error came from Bedrock.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::AccessDenied { message, .. }
            | Error::ExpiredCredentials { message, .. }
            | Error::OnDemandNotSupported { message, .. }
            | Error::Throttled { message, .. }
            | Error::Validation { message, .. }
            | Error::ModelNotFound { message, .. }
            | Error::EndOfLife { message, .. }
            | Error::Legacy { message, .. }
            | Error::StreamInterrupted { message, .. }
            | Error::LocalModel { message, .. }
            | Error::Service { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The partial reply of an interrupted stream.
    pub fn partial_reply(&self) -> Option<&Reply> {
        match self {
            Error::StreamInterrupted { partial, .. } => Some(partial),
            _ => None,
        }
    }

    /// Bedrock's request id for a call that reached Bedrock (also for an interrupted stream):
    /// quote it to AWS support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::AccessDenied { request_id, .. }
            | Error::ExpiredCredentials { request_id, .. }
            | Error::OnDemandNotSupported { request_id, .. }
            | Error::Throttled { request_id, .. }
            | Error::Validation { request_id, .. }
            | Error::ModelNotFound { request_id, .. }
            | Error::EndOfLife { request_id, .. }
            | Error::Legacy { request_id, .. }
            | Error::Timeout { request_id, .. }
            | Error::EndpointUnreachable { request_id, .. }
            | Error::Service { request_id, .. }
            | Error::LocalModel { request_id, .. }
            | Error::UnexpectedResponse { request_id, .. } => request_id.as_deref(),
            Error::StreamInterrupted { partial, .. } => partial.request_id.as_deref(),
            _ => None,
        }
    }

    /// The same error with the request id and the SDK error of the call that produced it.
    pub(crate) fn with_call(mut self, id: Option<String>, sdk: Option<SdkError>) -> Self {
        match &mut self {
            Error::AccessDenied {
                request_id, source, ..
            }
            | Error::ExpiredCredentials {
                request_id, source, ..
            }
            | Error::OnDemandNotSupported {
                request_id, source, ..
            }
            | Error::Throttled {
                request_id, source, ..
            }
            | Error::Validation {
                request_id, source, ..
            }
            | Error::ModelNotFound {
                request_id, source, ..
            }
            | Error::EndOfLife {
                request_id, source, ..
            }
            | Error::Legacy {
                request_id, source, ..
            }
            | Error::Timeout {
                request_id, source, ..
            }
            | Error::EndpointUnreachable {
                request_id, source, ..
            }
            | Error::Service {
                request_id, source, ..
            }
            | Error::LocalModel {
                request_id, source, ..
            }
            | Error::UnexpectedResponse {
                request_id, source, ..
            } => {
                *request_id = id;
                *source = sdk;
            }
            _ => {}
        }
        self
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn access_denied_says_how_to_enable_model_access() {
        let error = Error::AccessDenied {
            model: "m".into(),
            message: "You don't have access to the model with the specified model ID.".into(),
            request_id: None,
            source: None,
        };
        let text = error.to_string();
        assert!(text.contains("Model access"), "{text}");
        assert_eq!(error.code(), Some("AccessDeniedException"));
    }

    #[test]
    fn end_of_life_names_the_date_the_replacement_and_bedrock_s_words() {
        let error = Error::EndOfLife {
            model: "us.anthropic.claude-3-5-haiku-20241022-v1:0".into(),
            since: bedrock_catalog::parse_date("2026-06-19").ok(),
            replacement: Some("Claude Haiku 4.5".into()),
            message: bedrock_catalog::messages::END_OF_LIFE.into(),
            request_id: None,
            source: None,
        };
        let text = error.to_string();
        assert!(
            text.contains("reached its end of life on 2026-06-19"),
            "{text}"
        );
        assert!(text.contains("Use Claude Haiku 4.5 instead"), "{text}");
        assert!(
            text.contains(bedrock_catalog::messages::END_OF_LIFE),
            "{text}"
        );
        assert_eq!(error.code(), Some("ResourceNotFoundException"));
        assert_eq!(
            error.message(),
            Some(bedrock_catalog::messages::END_OF_LIFE)
        );
    }

    #[test]
    fn legacy_refusal_says_since_when_and_what_to_use() {
        let error = Error::Legacy {
            model: "m".into(),
            since: bedrock_catalog::parse_date("2025-12-19").ok(),
            replacement: None,
            message: bedrock_catalog::messages::LEGACY_NOT_RECENTLY_USED.into(),
            request_id: None,
            source: None,
        };
        let text = error.to_string();
        assert!(text.contains("is Legacy since 2025-12-19"), "{text}");
        assert!(text.contains("Pick an Active model"), "{text}");
    }

    #[test]
    fn unknown_model_lists_suggestions() {
        let error = Error::UnknownModel {
            name: "nova".into(),
            suggestions: vec!["Amazon Nova Pro".into()],
        };
        assert!(error.to_string().contains("did you mean Amazon Nova Pro?"));
    }
}
