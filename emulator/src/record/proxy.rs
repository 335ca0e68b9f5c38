//! The recorder's HTTP side: every request is checked as `serve` checks it (the local signature),
//! forwarded re-signed, and answered with what the upstream sent; streams pass through frame by
//! frame as they arrive while a copy is decoded. Each finished exchange is written before its
//! last byte reaches the caller.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use bedrock_catalog::messages::LOCAL_ANSWER_HEADER;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use serde_json::Value;

use super::exchange::{Captured, Exchange, FrameCapture};
use super::file::{Added, RecordingFile};
use super::upstream::UpstreamClient;
use crate::app::read_body;
use crate::auth::{Authenticator, SignedRequest};
use crate::error::ApiError;
use crate::eventstream;
use crate::replay::is_replayed_header;
use crate::resolve::Calendar;
use crate::turn::Operation;

/// Error codes that speak of the recorder's own upstream credentials, not of the conversation:
/// passed on to the caller, never recorded.
const CREDENTIAL_ERRORS: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
];

/// Headers of the upstream's answer not passed on: hop-by-hop, and the length (re-computed).
const NOT_PASSED_ON: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
];

/// What every request handler shares.
#[derive(Clone)]
pub(crate) struct Proxy {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Authenticator,
    upstream: UpstreamClient,
    file: Arc<Mutex<RecordingFile>>,
    calendar: Calendar,
    /// `recorded <when> from <upstream>`, put in each rule's description.
    source: String,
}

impl Proxy {
    /// A proxy checking `auth`, forwarding to `upstream`, recording into `file`.
    pub fn new(
        auth: Authenticator,
        upstream: UpstreamClient,
        file: RecordingFile,
        calendar: Calendar,
    ) -> Proxy {
        let source = format!("recorded from {}", upstream.base);
        Proxy {
            inner: Arc::new(Inner {
                auth,
                upstream,
                file: Arc::new(Mutex::new(file)),
                calendar,
                source,
            }),
        }
    }

    /// The router: every path is forwarded except `/_local/...`, which is this process's own.
    pub fn router(self) -> Router {
        Router::new().fallback(forward).with_state(self)
    }

    /// Writes the exchange's rule (deduplicated) and logs what happened.
    async fn record(&self, exchange: Exchange) {
        let when = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let note = format!("{} {when}", self.inner.source);
        let text = exchange.to_rule(self.inner.calendar, &note);
        let key = exchange.key();
        let fault = exchange.is_fault();
        let file = Arc::clone(&self.inner.file);
        let written = tokio::task::spawn_blocking(move || {
            // A poisoned lock means a writer panicked mid-way; the file on disk is still whole
            // (it is replaced atomically), so carry on with the rules in memory.
            let mut file = file
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            file.add(key, fault, text).map(|added| (added, file.len()))
        })
        .await;
        let operation = exchange.operation.name();
        match written {
            Ok(Ok((added, rules))) => {
                let what = match added {
                    Added::New => "recorded",
                    Added::Replaced => "recorded, replacing the error recorded for it",
                    Added::Duplicate => "already recorded: kept the first",
                };
                tracing::info!(operation, model = %exchange.model_id, rules, "bedrock-local record: {what}");
            }
            Ok(Err(e)) => {
                tracing::error!(operation, error = %e, "bedrock-local record: cannot write the recording; this exchange is lost")
            }
            Err(e) => {
                tracing::error!(operation, error = %e, "bedrock-local record: the writer failed; this exchange is lost")
            }
        }
    }
}

/// Any request: check, forward, pass the answer on, record it.
async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    if path.starts_with("/_local/") {
        return local(ApiError::new(404, "UnknownOperationException", ""));
    }
    let body = match read_body(&parts, body).await {
        Ok(body) => body,
        Err(error) => return local(error),
    };
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: &path,
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
    };
    if let Err(error) = proxy
        .inner
        .auth
        .verify(&signed, time::OffsetDateTime::now_utc())
    {
        return local(error);
    }
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or(path.clone(), |p| p.as_str().to_string());
    let started = Instant::now();
    let answer = match proxy
        .inner
        .upstream
        .send(&parts.method, &path_and_query, &parts.headers, body.clone())
        .await
    {
        Ok(answer) => answer,
        Err(reason) => {
            tracing::error!(%reason, "bedrock-local record: the upstream did not answer");
            return local(ApiError::new(
                503,
                "ServiceUnavailableException",
                format!(
                    "bedrock-local record could not forward this request: {reason}. Check the upstream and the network, then try again."
                ),
            ));
        }
    };
    let recordable = operation_of(&path).map(|(operation, model_id)| Pending {
        operation,
        model_id,
        request: body,
    });
    let (head, incoming) = answer.into_parts();
    let mut response = Response::new(Body::empty());
    *response.status_mut() = head.status;
    for (name, value) in &head.headers {
        if !NOT_PASSED_ON.contains(&name.as_str()) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    let replayed: Vec<(String, String)> = head
        .headers
        .iter()
        .filter(|(name, _)| is_replayed_header(name.as_str()))
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .collect();
    let streaming = head.status.is_success()
        && head
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(eventstream::CONTENT_TYPE));
    if streaming {
        *response.body_mut() = tee(proxy, incoming, recordable, replayed, started);
        return response;
    }
    let body = match incoming.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            return local(ApiError::new(
                503,
                "ServiceUnavailableException",
                format!("bedrock-local record: the upstream's answer broke off ({e}). Try again."),
            ));
        }
    };
    if let Some(pending) = recordable {
        let captured = if head.status.is_success() {
            Some(Captured::Body {
                body: body.clone(),
                latency: started.elapsed(),
            })
        } else {
            error_of(&head.headers, head.status.as_u16(), &body)
        };
        if let Some(captured) = captured {
            proxy
                .record(pending.into_exchange(replayed, captured))
                .await;
        }
    }
    *response.body_mut() = Body::from(body);
    response
}

/// What is known of a request before its answer.
struct Pending {
    operation: Operation,
    model_id: String,
    request: Bytes,
}

impl Pending {
    fn into_exchange(self, headers: Vec<(String, String)>, captured: Captured) -> Exchange {
        Exchange {
            operation: self.operation,
            model_id: self.model_id,
            request: self.request,
            headers,
            captured,
        }
    }
}

/// A stream body that passes each piece on as it arrives, decodes a copy, and records the
/// exchange when the upstream's stream ends (a stream cut short is passed on, not recorded).
fn tee(
    proxy: Proxy,
    incoming: Incoming,
    pending: Option<Pending>,
    headers: Vec<(String, String)>,
    started: Instant,
) -> Body {
    struct Tee {
        proxy: Proxy,
        incoming: Incoming,
        pending: Option<Pending>,
        headers: Vec<(String, String)>,
        capture: FrameCapture,
        last_frame: Instant,
    }
    let state = Tee {
        proxy,
        incoming,
        pending,
        headers,
        capture: FrameCapture::default(),
        last_frame: started,
    };
    let stream = futures::stream::unfold(Some(state), |state| async move {
        let mut tee = state?;
        loop {
            match tee.incoming.frame().await {
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    let now = Instant::now();
                    if tee
                        .capture
                        .push(&data, now.saturating_duration_since(tee.last_frame))
                    {
                        tee.last_frame = now;
                    }
                    return Some((Ok::<Bytes, std::io::Error>(data), Some(tee)));
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "bedrock-local record: the upstream stream broke off; not recorded");
                    return Some((Err(std::io::Error::other(e)), None));
                }
                None => {
                    if let Some(pending) = tee.pending.take()
                        && !tee.capture.broken
                    {
                        let events = std::mem::take(&mut tee.capture.events);
                        let exchange = pending.into_exchange(
                            std::mem::take(&mut tee.headers),
                            Captured::Events(events),
                        );
                        tee.proxy.record(exchange).await;
                    }
                    return None;
                }
            }
        }
    });
    Body::from_stream(stream)
}

/// The operation and model id a Bedrock Runtime path names.
fn operation_of(path: &str) -> Option<(Operation, String)> {
    let rest = path.strip_prefix("/model/")?;
    let (segment, operation) = rest.split_once('/')?;
    let operation = match operation {
        "converse" => Operation::Converse,
        "converse-stream" => Operation::ConverseStream,
        "invoke" => Operation::InvokeModel,
        "invoke-with-response-stream" => Operation::InvokeModelWithResponseStream,
        "count-tokens" => Operation::CountTokens,
        _ => return None,
    };
    let model_id = percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned();
    Some((operation, model_id))
}

/// The recorded fault for an error answer: code from `x-amzn-ErrorType` (`Code:namespace`) or
/// the body's `__type`, message from the body. Errors about the recorder's own credentials are
/// not the conversation's and are not recorded.
fn error_of(headers: &http::HeaderMap, status: u16, body: &[u8]) -> Option<Captured> {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            value
                .get("__type")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .map(|c| {
            let code = c.split(':').next().unwrap_or_default();
            code.rsplit('#').next().unwrap_or(code).to_string()
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "InternalServerException".to_string());
    if CREDENTIAL_ERRORS.contains(&code.as_str()) {
        tracing::warn!(%code, "bedrock-local record: the upstream refused the recorder's credentials; passed on, not recorded");
        return None;
    }
    let message = ["message", "Message"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    Some(Captured::Error {
        code,
        status,
        message,
    })
}

/// An answer the recorder gives itself (a refused signature, a broken upstream): marked local.
fn local(error: ApiError) -> Response {
    let mut response = error.into_response();
    response.headers_mut().insert(
        const { HeaderName::from_static(LOCAL_ANSWER_HEADER.0) },
        const { HeaderValue::from_static(LOCAL_ANSWER_HEADER.1) },
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_operation_and_the_decoded_model() {
        assert_eq!(
            operation_of("/model/us.anthropic.claude%3A0/converse-stream"),
            Some((
                Operation::ConverseStream,
                "us.anthropic.claude:0".to_string()
            ))
        );
        assert_eq!(operation_of("/model/x/unknown"), None);
        assert_eq!(operation_of("/other"), None);
    }

    #[test]
    fn errors_are_recorded_with_code_status_and_message_except_credential_errors() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static(
                "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            ),
        );
        let captured = error_of(&headers, 403, br#"{"message":"no access"}"#);
        assert!(matches!(
            captured,
            Some(Captured::Error { code, status: 403, message }) if code == "AccessDeniedException" && message == "no access"
        ));
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static("UnrecognizedClientException:x"),
        );
        assert!(error_of(&headers, 403, b"{}").is_none());
    }
}
