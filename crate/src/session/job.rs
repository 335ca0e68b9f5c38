//! The jobs a worker runs: each carries owned plain data in and a channel for plain data out,
//! and each runs entirely on the worker's runtime with the worker's client.

use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_bedrockruntime::operation::RequestId;
use aws_smithy_types::Blob;
use futures::channel::{mpsc, oneshot};

use super::client::{AnswerMarker, Origin, Scope, call_config, describe_source, origin};
use aws_sdk_bedrockruntime::types::{
    GuardrailAction, GuardrailConfiguration, GuardrailContentBlock, GuardrailContentSource,
    GuardrailTextBlock,
};

use crate::error::{Error, Result};
use crate::guardrail::{
    GuardrailCheck, GuardrailSource, GuardrailUse, Stage, findings_in, stamp_guardrail,
};
use crate::reply::Reply;
use crate::request::Request;
use crate::sdk_error::{ErrorScope, map_sdk_error, stream_failure};
use crate::settings::Settings;
use crate::stream::StreamEvent;
use crate::wire::{parts, reply_from_output, stream_event, with_parts};
use crate::wire_json::CaptureBody;

/// How long the connect-time probe lets the credential chain search (instance metadata can be
/// slow to answer off AWS).
const CREDENTIAL_LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Which model a call goes to, with the calling handle's settings.
pub(crate) struct Call {
    /// The id to put in the URL (a profile, a bare id or an ARN).
    pub model_id: String,
    /// Retries, timeouts and the stream's idle limit of the handle that made the call.
    pub settings: Settings,
}

/// One unit of work for the worker.
pub(crate) enum Job {
    /// Converse: the whole reply.
    Converse {
        call: Call,
        request: Request,
        answer: oneshot::Sender<Result<Reply>>,
    },
    /// ConverseStream: [`Chunk`]s as they come.
    ConverseStream {
        call: Call,
        request: Request,
        chunks: mpsc::UnboundedSender<Chunk>,
    },
    /// InvokeModel with a JSON body.
    Invoke {
        call: Call,
        body: Vec<u8>,
        answer: oneshot::Sender<Result<Invoked>>,
    },
    /// The Converse body the SDK would send, captured before transmission.
    Capture {
        call: Call,
        request: Request,
        answer: oneshot::Sender<Result<Vec<u8>>>,
    },
    /// ApplyGuardrail on one text.
    ApplyGuardrail {
        settings: Settings,
        check: GuardrailRequest,
        answer: oneshot::Sender<Result<GuardrailCheck>>,
    },
    /// Ask the credential chain once, naming where the credentials came from.
    ProbeCredentials {
        answer: oneshot::Sender<Result<String>>,
    },
}

/// What an InvokeModel call returned.
pub(crate) struct Invoked {
    /// The answer body.
    pub body: Vec<u8>,
    /// Bedrock's request id.
    pub request_id: Option<String>,
    /// Who answered, from the local endpoint's marker.
    pub origin: Origin,
}

/// One piece of a ConverseStream call, in order: `Opened` or `Refused` first, then events,
/// then at most one `Broken`; the channel closing after events means the stream ended well.
pub(crate) enum Chunk {
    /// The stream started.
    Opened {
        request_id: Option<String>,
        origin: Origin,
    },
    /// Bedrock refused the call before any event.
    Refused(Error),
    /// One event of the answer.
    Event(StreamEvent),
    /// The stream broke after it started (an exception event, a network error, silence).
    Broken { code: String, message: String },
}

/// Runs one job to its end; a caller that stopped waiting is not an error.
pub(super) async fn run(job: Job, scope: Arc<Scope>) {
    match job {
        Job::Converse {
            call,
            request,
            answer,
        } => {
            let _ = answer.send(converse(&scope, &call, &request).await);
        }
        Job::ConverseStream {
            call,
            request,
            chunks,
        } => converse_stream(&scope, &call, &request, &chunks).await,
        Job::Invoke { call, body, answer } => {
            let _ = answer.send(invoke(&scope, &call, body).await);
        }
        Job::Capture {
            call,
            request,
            answer,
        } => {
            let _ = answer.send(capture(&scope, &call, &request).await);
        }
        Job::ApplyGuardrail {
            settings,
            check,
            answer,
        } => {
            let _ = answer.send(apply_guardrail(&scope, &settings, &check).await);
        }
        Job::ProbeCredentials { answer } => {
            let _ = answer.send(probe_credentials(&scope).await);
        }
    }
}

fn error_scope<'a>(scope: &'a Scope, call: &'a Call) -> ErrorScope<'a> {
    ErrorScope {
        region: &scope.region,
        endpoint: &scope.endpoint_label,
        settings: &call.settings,
    }
}

async fn converse(scope: &Scope, call: &Call, request: &Request) -> Result<Reply> {
    let marker = AnswerMarker::default();
    let local = marker.flag();
    let output = with_parts!(scope.client.converse(), &call.model_id, parts(request)?)
        .set_guardrail_config(converse_guardrail(request))
        .customize()
        .config_override(call_config(&call.settings))
        .interceptor(marker)
        .send()
        .await
        .map_err(|error| map_sdk_error(&error_scope(scope, call), &call.model_id, error))?;
    let mut reply = reply_from_output(&call.model_id, &output);
    origin(&local).stamp(&mut reply);
    stamp_guardrail(&mut reply, request.guardrail.as_ref());
    Ok(reply)
}

/// The request's guardrail as Converse takes it.
fn converse_guardrail(request: &Request) -> Option<GuardrailConfiguration> {
    request
        .guardrail
        .as_ref()
        .map(GuardrailUse::converse_config)
}

async fn converse_stream(
    scope: &Scope,
    call: &Call,
    request: &Request,
    chunks: &mpsc::UnboundedSender<Chunk>,
) {
    let send = |chunk: Chunk| chunks.unbounded_send(chunk).is_ok();
    let guardrail = request.guardrail.as_ref().map(GuardrailUse::stream_config);
    let parts = match parts(request) {
        Ok(parts) => parts,
        Err(error) => {
            send(Chunk::Refused(error));
            return;
        }
    };
    let marker = AnswerMarker::default();
    let local = marker.flag();
    let opened = with_parts!(scope.client.converse_stream(), &call.model_id, parts)
        .set_guardrail_config(guardrail)
        .customize()
        .config_override(call_config(&call.settings))
        .interceptor(marker)
        .send()
        .await;
    let mut response = match opened {
        Ok(response) => response,
        Err(error) => {
            let error = map_sdk_error(&error_scope(scope, call), &call.model_id, error);
            send(Chunk::Refused(error));
            return;
        }
    };
    let opened = Chunk::Opened {
        request_id: response.request_id().map(str::to_string),
        origin: origin(&local),
    };
    if !send(opened) {
        return; // nobody reads any more: dropping the response ends the stream
    }
    let idle = call.settings.stream_idle_timeout;
    loop {
        let chunk = match tokio::time::timeout(idle, response.stream.recv()).await {
            Err(_) => Chunk::Broken {
                code: "Timeout".to_string(),
                message: format!("no event for {idle:?} (Settings::stream_idle_timeout)"),
            },
            Ok(Err(error)) => {
                let (code, message) = stream_failure(error);
                Chunk::Broken { code, message }
            }
            Ok(Ok(None)) => return,
            Ok(Ok(Some(event))) => match stream_event(event) {
                Some(event) => Chunk::Event(event),
                None => continue,
            },
        };
        let broken = matches!(chunk, Chunk::Broken { .. });
        if !send(chunk) || broken {
            return;
        }
    }
}

async fn invoke(scope: &Scope, call: &Call, body: Vec<u8>) -> Result<Invoked> {
    let marker = AnswerMarker::default();
    let local = marker.flag();
    let output = scope
        .client
        .invoke_model()
        .model_id(&call.model_id)
        .content_type("application/json")
        .accept("application/json")
        .body(Blob::new(body))
        .customize()
        .config_override(call_config(&call.settings))
        .interceptor(marker)
        .send()
        .await
        .map_err(|error| map_sdk_error(&error_scope(scope, call), &call.model_id, error))?;
    Ok(Invoked {
        request_id: output.request_id().map(str::to_string),
        body: output.body.into_inner(),
        origin: origin(&local),
    })
}

async fn capture(scope: &Scope, call: &Call, request: &Request) -> Result<Vec<u8>> {
    let capture = CaptureBody::default();
    let body = capture.slot();
    let outcome = with_parts!(scope.client.converse(), &call.model_id, parts(request)?)
        .set_guardrail_config(converse_guardrail(request))
        .customize()
        .config_override(call_config(&call.settings))
        .interceptor(capture)
        .send()
        .await;
    match (CaptureBody::take(&body), outcome) {
        (Some(bytes), _) => Ok(bytes),
        // The SDK refused before serializing (a missing member, say): that is the answer.
        (None, Err(error)) => Err(map_sdk_error(
            &error_scope(scope, call),
            &call.model_id,
            error,
        )),
        (None, Ok(_)) => Err(Error::invalid(
            "the SDK finished without reaching transmission, so there is no request body to show",
        )),
    }
}

/// What ApplyGuardrail is asked to check, as plain data.
pub(crate) struct GuardrailRequest {
    pub id: String,
    pub version: String,
    pub source: GuardrailSource,
    pub text: String,
}

async fn apply_guardrail(
    scope: &Scope,
    settings: &Settings,
    check: &GuardrailRequest,
) -> Result<GuardrailCheck> {
    let content = GuardrailContentBlock::Text(
        GuardrailTextBlock::builder()
            .text(check.text.clone())
            .build()
            .map_err(|e| Error::invalid(e.to_string()))?,
    );
    let source = match check.source {
        GuardrailSource::Input => GuardrailContentSource::Input,
        GuardrailSource::Output => GuardrailContentSource::Output,
    };
    let output = scope
        .client
        .apply_guardrail()
        .guardrail_identifier(&check.id)
        .guardrail_version(&check.version)
        .source(source)
        .content(content)
        .customize()
        .config_override(call_config(settings))
        .send()
        .await
        .map_err(|error| {
            let scope = ErrorScope {
                region: &scope.region,
                endpoint: &scope.endpoint_label,
                settings,
            };
            map_sdk_error(&scope, &format!("guardrail {}", check.id), error)
        })?;
    let stage = match check.source {
        GuardrailSource::Input => Stage::Input,
        GuardrailSource::Output => Stage::Output,
    };
    Ok(GuardrailCheck {
        id: check.id.clone(),
        intervened: output.action == GuardrailAction::GuardrailIntervened,
        outputs: output
            .outputs
            .iter()
            .filter_map(|o| o.text.clone())
            .collect(),
        findings: output
            .assessments
            .iter()
            .flat_map(|assessment| findings_in(stage, assessment))
            .collect(),
        action_reason: output.action_reason.clone(),
    })
}

async fn probe_credentials(scope: &Scope) -> Result<String> {
    let provider = scope
        .credentials
        .as_ref()
        .ok_or_else(|| Error::Credentials {
            message: "the AWS configuration has no credential provider".into(),
        })?;
    let credentials =
        tokio::time::timeout(CREDENTIAL_LOOKUP_TIMEOUT, provider.provide_credentials())
            .await
            .map_err(|_| Error::Credentials {
                message: format!(
                    "the credential chain found nothing within {CREDENTIAL_LOOKUP_TIMEOUT:?}"
                ),
            })?
            .map_err(|error| {
                // The chain reports only its last provider's failure (often instance metadata),
                // which misleads more than it helps: name the places searched instead.
                tracing::debug!(
                    "credential chain: {}",
                    crate::sdk_error::source_chain(&error)
                );
                Error::Credentials {
                    message: "none in the environment, ~/.aws profiles, SSO, container or \
                              instance metadata"
                        .into(),
                }
            })?;
    Ok(describe_source(&credentials))
}
