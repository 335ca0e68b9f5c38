//! Talking to the model server: the chat-completions call, streamed or whole, the check that
//! the mapped model exists, and every way this can fail as a Bedrock error that names its local
//! cause (the server down: `ServiceUnavailableException`; a model it does not have, an error it
//! answers, a broken or malformed answer: `ModelErrorException`; silence: `ModelTimeoutException`).

use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use http_body_util::{BodyExt, Full};
use serde_json::Value;

use super::request::chat_request;
use super::translate::{Finished, Translator};
use super::{Backend, excerpt};
use crate::error::ApiError;
use crate::http_client::{OutboundClient, client_for, error_chain};
use crate::structured;
use crate::turn::Turn;
use bedrock_catalog::messages::{LOCAL_MODEL_FAILURE, local_model_answer};

/// How long a list of the server's models is trusted before it is asked again; a model missing
/// from an older list is looked up afresh (it may have just been pulled).
const LISTING_TTL: Duration = Duration::from_secs(30);
const RELIST_AFTER: Duration = Duration::from_secs(1);

/// The most of an error body kept for the message.
const MAX_ERROR_BYTES: usize = 2048;

/// One piece of a streamed answer.
pub(crate) enum Chunk {
    /// A chunk's JSON.
    Data(Value),
    /// `data: [DONE]`: the server finished.
    Done,
}

/// The chunks of a streamed answer as they arrive; an `Err` says what broke.
pub(crate) type Chunks = Pin<Box<dyn Stream<Item = Result<Chunk, String>> + Send>>;

/// A stream the server has begun to answer.
pub(crate) struct Opened {
    /// Its chunks.
    pub chunks: Chunks,
    /// When the request was sent.
    pub started: Instant,
}

/// The model server of one endpoint, with its connection pool.
pub(crate) struct LocalModel {
    backend: Backend,
    /// Or why there is none (TLS could not be set up for an `https://` URL): each request
    /// answers that, rather than the endpoint refusing to start.
    client: Result<OutboundClient, String>,
    /// The names `GET /models` listed, and when; `None` inside when the server has no list.
    listing: Mutex<Option<(Instant, Option<Vec<String>>)>>,
}

impl LocalModel {
    /// A client for `backend`.
    pub fn new(backend: Backend) -> LocalModel {
        LocalModel {
            client: client_for(&backend.api_base, backend.ca_bundle_path()),
            backend,
            listing: Mutex::new(None),
        }
    }

    async fn send(
        &self,
        request: http::Request<Full<Bytes>>,
        name: &str,
    ) -> Result<http::Response<hyper::body::Incoming>, ApiError> {
        let client = self
            .client
            .as_ref()
            .map_err(|cause| self.unreachable(cause))?;
        tokio::time::timeout(self.idle_timeout(), client.request(request))
            .await
            .map_err(|_| self.timed_out(name))?
            .map_err(|e| self.unreachable(&error_chain(&e)))
    }

    /// The server's URL as given.
    pub fn url(&self) -> &str {
        self.backend.url()
    }

    /// How long the server may stay silent.
    pub fn idle_timeout(&self) -> Duration {
        self.backend.idle_timeout
    }

    /// The local model that answers `turn`.
    pub fn name_for(&self, turn: &Turn) -> &str {
        self.backend
            .models
            .local_model(&turn.base_model_id, &turn.model_id)
    }

    /// The `x-bedrock-local` value of an answer by `name` (a name a header cannot carry is
    /// replaced by `?`, so the marker itself never fails).
    pub fn marker(&self, name: &str) -> HeaderValue {
        let text: String = local_model_answer(name, self.url())
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("model ? via ?"))
    }

    /// The whole answer of `name` to `turn`.
    pub async fn complete(
        &self,
        turn: &Turn,
        name: &str,
        structured: &structured::Request,
    ) -> Result<(Finished, Duration), ApiError> {
        self.check_model(name).await?;
        let started = Instant::now();
        let response = self
            .post(&chat_request(turn, name, false, structured), name)
            .await?;
        let body = tokio::time::timeout(self.idle_timeout(), response.into_body().collect())
            .await
            .map_err(|_| self.timed_out(name))?
            .map_err(|e| self.broken(name, &format!("the answer broke off: {}", error_chain(&e))))?
            .to_bytes();
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| self.broken(name, &format!("the answer is not JSON ({e})")))?;
        let mut translator = Translator::new();
        translator
            .push_response(&value)
            .map_err(|cause| self.broken(name, &cause))?;
        Ok((translator.finish().1, started.elapsed()))
    }

    /// Starts a streamed answer of `name` to `turn`: errors before the first chunk are errors
    /// of the call; later ones end the stream.
    pub async fn open_stream(
        &self,
        turn: &Turn,
        name: &str,
        structured: &structured::Request,
    ) -> Result<Opened, ApiError> {
        self.check_model(name).await?;
        let started = Instant::now();
        let response = self
            .post(&chat_request(turn, name, true, structured), name)
            .await?;
        let chunks =
            response
                .into_body()
                .into_data_stream()
                .eventsource()
                .map(|event| match event {
                    Ok(event) if event.data.trim() == "[DONE]" => Ok(Chunk::Done),
                    Ok(event) => serde_json::from_str(&event.data)
                        .map(Chunk::Data)
                        .map_err(|e| {
                            format!("a chunk is not JSON ({e}): {}", excerpt(&event.data))
                        }),
                    Err(e) => Err(format!("the stream broke off: {e}")),
                });
        Ok(Opened {
            chunks: Box::pin(chunks),
            started,
        })
    }

    /// `POST /chat/completions`; any status but 2xx becomes the Bedrock error it means.
    async fn post(
        &self,
        body: &Value,
        name: &str,
    ) -> Result<http::Response<hyper::body::Incoming>, ApiError> {
        let uri = format!("{}/chat/completions", self.backend.api_base);
        let request = self
            .request(http::Method::POST, &uri)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| ApiError::internal(format!("cannot build the request to {uri}: {e}")))?;
        let response = self.send(request, name).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let message = error_message(response).await;
        Err(
            if status == http::StatusCode::NOT_FOUND && message.to_lowercase().contains("model") {
                self.no_such_model(name, &format!("it answered HTTP 404: {message}"))
            } else if status == http::StatusCode::BAD_REQUEST && is_context_overflow(&message) {
                // A prompt too long for the model is the caller's to shorten, as on Bedrock (a
                // ValidationException, not retried), whatever the server's code for it.
                ApiError::validation(format!(
                    "{LOCAL_MODEL_FAILURE} {name} at {} cannot take this request: it is longer than the model's context ({message}). Send less, or give the model a longer context (Ollama: OLLAMA_CONTEXT_LENGTH=64000 ollama serve; llama.cpp: --ctx-size).",
                    self.url()
                ))
            } else if matches!(status.as_u16(), 401 | 403) {
                model_error(format!(
                    "{LOCAL_MODEL_FAILURE} server at {} refused the request (HTTP {}: {message}). Give it its API key: serve --api-key-env VAR, with the key in VAR.",
                    self.url(),
                    status.as_u16()
                ))
            } else {
                model_error(format!(
                    "{LOCAL_MODEL_FAILURE} server at {} could not answer with {name} (HTTP {}: {message}).",
                    self.url(),
                    status.as_u16()
                ))
            },
        )
    }

    fn request(&self, method: http::Method, uri: &str) -> http::request::Builder {
        let mut builder = http::Request::builder().method(method).uri(uri);
        if let Some(key) = &self.backend.api_key {
            builder = builder.header(http::header::AUTHORIZATION, format!("Bearer {key}"));
        }
        builder
    }

    /// Refuses a model the server does not list. A server without `GET /models` is not
    /// checked: its chat answer will say.
    async fn check_model(&self, name: &str) -> Result<(), ApiError> {
        let cached = self.cached_listing();
        let listed = match cached {
            Some((at, names)) if at.elapsed() < LISTING_TTL => match &names {
                Some(list) if !serves(list, name) && at.elapsed() >= RELIST_AFTER => {
                    self.list_models().await?
                }
                _ => names,
            },
            _ => self.list_models().await?,
        };
        match listed {
            Some(list) if !serves(&list, name) => Err(self.no_such_model(
                name,
                &format!(
                    "it serves {}",
                    if list.is_empty() {
                        "none".to_string()
                    } else {
                        list.join(", ")
                    }
                ),
            )),
            _ => Ok(()),
        }
    }

    fn cached_listing(&self) -> Option<(Instant, Option<Vec<String>>)> {
        // A poisoned lock only means another request panicked while holding a plain list.
        match self.listing.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// `GET /models`: the names listed, `None` when the server answers no list.
    async fn list_models(&self) -> Result<Option<Vec<String>>, ApiError> {
        let uri = format!("{}/models", self.backend.api_base);
        let request = self
            .request(http::Method::GET, &uri)
            .body(Full::new(Bytes::new()))
            .map_err(|e| ApiError::internal(format!("cannot build the request to {uri}: {e}")))?;
        let response = self.send(request, "the model list").await?;
        let names = if response.status().is_success() {
            let body = tokio::time::timeout(self.idle_timeout(), response.into_body().collect())
                .await
                .ok()
                .and_then(Result::ok)
                .map(|b| b.to_bytes());
            body.and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| {
                    v.get("data").and_then(Value::as_array).map(|models| {
                        models
                            .iter()
                            .filter_map(|m| m.get("id").and_then(Value::as_str))
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                })
        } else {
            None
        };
        let entry = (Instant::now(), names.clone());
        match self.listing.lock() {
            Ok(mut guard) => *guard = Some(entry),
            Err(poisoned) => *poisoned.into_inner() = Some(entry),
        }
        Ok(names)
    }

    /// The server did not answer at all: 503, which SDKs retry.
    fn unreachable(&self, cause: &str) -> ApiError {
        ApiError::new(
            503,
            "ServiceUnavailableException",
            format!(
                "{LOCAL_MODEL_FAILURE} server at {} is not reachable ({cause}). Start it (for Ollama: `ollama serve`), or point --base-url or BEDROCK_LOCAL_MODEL_URL at it.",
                self.url()
            ),
        )
    }

    fn no_such_model(&self, name: &str, detail: &str) -> ApiError {
        model_error(format!(
            "{LOCAL_MODEL_FAILURE} server at {} has no model named {name:?} ({detail}). Pull it (for Ollama: `ollama pull {name}`), or map this Bedrock model to a model the server has with a model map (--model-map or BEDROCK_LOCAL_MODEL_MAP).",
            self.url()
        ))
    }

    /// The answer broke or could not be read.
    pub fn broken(&self, name: &str, cause: &str) -> ApiError {
        model_error(self.broken_message(name, cause))
    }

    /// The message of a broken answer, for a stream's exception frame too.
    pub fn broken_message(&self, name: &str, cause: &str) -> String {
        format!(
            "{LOCAL_MODEL_FAILURE} {name} at {} did not finish its answer: {cause}.",
            self.url()
        )
    }

    /// The message of a silence, for a stream's exception frame too.
    pub fn timeout_message(&self, name: &str) -> String {
        format!(
            "{LOCAL_MODEL_FAILURE} server at {} sent nothing for {} s while answering with {name}. It may still be loading the model: try again, or give it more time (Backend::idle_timeout).",
            self.url(),
            self.idle_timeout().as_secs()
        )
    }

    fn timed_out(&self, name: &str) -> ApiError {
        ApiError::model_timeout(self.timeout_message(name))
    }
}

/// `ModelErrorException` (424): the model could not answer.
fn model_error(message: String) -> ApiError {
    ApiError::new(424, "ModelErrorException", message)
}

/// Whether a server's 400 says the prompt does not fit the model's context (llama.cpp, vLLM and
/// llama-cpp-python word it "maximum context length", "context window", "exceeds the context").
fn is_context_overflow(message: &str) -> bool {
    let message = message.to_lowercase();
    message.contains("context")
        && ["length", "window", "exceed", "too long"]
            .iter()
            .any(|w| message.contains(w))
}

/// Whether a list of served models has `name` (Ollama lists `llama3.2:latest` for `llama3.2`).
fn serves(list: &[String], name: &str) -> bool {
    list.iter().any(|served| {
        served == name
            || served.strip_suffix(":latest") == Some(name)
            || name.strip_suffix(":latest") == Some(served.as_str())
    })
}

/// What an error answer says: OpenAI's `{"error": {"message"}}`, Ollama's `{"error": "..."}`,
/// or the start of the body.
async fn error_message(response: http::Response<hyper::body::Incoming>) -> String {
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while bytes.len() < MAX_ERROR_BYTES {
        match tokio::time::timeout(Duration::from_secs(5), body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    bytes.extend_from_slice(data);
                }
            }
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let parsed: Option<Value> = serde_json::from_str(&text).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let message = error
        .and_then(|e| {
            e.get("message")
                .and_then(Value::as_str)
                .or_else(|| e.as_str())
        })
        .map(str::to_string)
        .unwrap_or(text);
    let message = message.trim();
    if message.is_empty() {
        "no message".to_string()
    } else {
        excerpt(message)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;

    #[test]
    fn every_failure_is_worded_as_the_local_models_so_that_clients_tell_it_from_bedrocks() {
        let local = LocalModel::new(Backend::openai("http://127.0.0.1:9").unwrap());
        for error in [
            local.unreachable("connection refused"),
            local.no_such_model("m", "it serves x"),
            local.broken("m", "cut"),
            local.timed_out("m"),
        ] {
            assert!(
                bedrock_catalog::messages::is_local_model_failure(&error.message),
                "{error}"
            );
        }
        assert_eq!(local.unreachable("x").code, "ServiceUnavailableException");
        assert_eq!(local.no_such_model("m", "d").status, 424);
        assert_eq!(local.timed_out("m").code, "ModelTimeoutException");
    }

    #[test]
    fn a_prompt_longer_than_the_context_is_told_from_other_refusals() {
        assert!(is_context_overflow(
            "This model's maximum context length is 2048 tokens. However, you requested 2292 tokens"
        ));
        assert!(is_context_overflow(
            "the request exceeds the available context size"
        ));
        assert!(!is_context_overflow("1 validation error: response_format"));
    }

    #[test]
    fn a_listed_model_is_found_with_or_without_ollamas_latest_tag() {
        let list = vec!["llama3.2:latest".to_string(), "qwen2.5:3b".to_string()];
        assert!(serves(&list, "llama3.2") && serves(&list, "llama3.2:latest"));
        assert!(serves(&list, "qwen2.5:3b") && !serves(&list, "qwen2.5"));
        assert!(serves(&["tiny".to_string()], "tiny:latest"));
    }
}
