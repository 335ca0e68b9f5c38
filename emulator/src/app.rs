//! The HTTP application: routes, one handler per operation, and the pipeline every request goes
//! through (body limit → authentication → model resolution → parsing → scenario → rendering).
//! Every answer, whatever produced it, carries [`LOCAL_ANSWER_HEADER`].

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::json;

use crate::answer::{self, Reply};
use crate::auth::{Authenticator, Caller, SignedRequest};
use crate::backend::{self, LocalModel};
use crate::clock::{CLOCK_PATH, Clock};
use crate::config::{Config, MAX_BODY_BYTES, Pacing};
use crate::converse;
use crate::error::ApiError;
use crate::guardrail::{self, Guard, GuardrailSet, InputVerdict};
use crate::invoke;
use crate::journal::Journal;
use crate::json;
use crate::prompt_cache::{self, CacheStore, Checkpoint};
use crate::providers;
use crate::reasoning::{self, Signatures, Signer};
use crate::record;
use crate::replay;
use crate::resolve::{self, Calendar};
use crate::scenario::ScenarioSet;
use crate::stats::{Counters, STATS_PATH};
use crate::stream::{self, Ending};
use crate::structured;
use crate::turn::{Answer, Fault, Operation, Outcome, Turn};
use crate::validate;
use bedrock_catalog::Model;
use bedrock_catalog::messages::LOCAL_ANSWER_HEADER;

/// Message of the `ModelTimeoutException` a timeout fault ends with.
const TIMEOUT_MESSAGE: &str =
    "Model has timed out in processing the request. Try your request again.";

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Authenticator,
    scenarios: ScenarioSet,
    guardrails: GuardrailSet,
    /// The region guardrail ARNs name.
    region: String,
    tokens_per_second: Option<f64>,
    calendar: Calendar,
    pacing: Pacing,
    journal: Journal,
    counters: Arc<Counters>,
    cache: CacheStore,
    clock: Clock,
    prefill_per_token: std::time::Duration,
    /// Whether every request waits its prefill, or only those carrying a `cachePoint` (see
    /// [`Config::prefill_always`]).
    prefill_always: bool,
    /// Signs the reasoning blocks this endpoint sends and verifies those that come back.
    signer: Signer,
    /// The model server that answers what no rule does, when there is one.
    local_model: Option<Arc<LocalModel>>,
}

/// What a request asks of the answer's form beyond its content: reasoning, and structured outputs.
#[derive(Default)]
struct Shaping {
    reasoning: Option<reasoning::Mode>,
    structured: structured::Request,
}

impl Shaping {
    fn apply(&self, answer: Answer, turn: &Turn) -> Answer {
        let answer = self.structured.apply(answer, turn);
        match self.reasoning {
            Some(mode) => reasoning::shape(mode, answer, turn),
            None => answer,
        }
    }
}

/// What the prompt cache needs of a Converse request that carries `cachePoint` blocks.
struct CacheRequest {
    caller: Caller,
    checkpoints: Vec<Checkpoint>,
}

impl AppState {
    /// State for an endpoint configured by `config`.
    pub fn new(config: &Config) -> Self {
        AppState {
            inner: Arc::new(Inner {
                auth: Authenticator::new(
                    config.credentials.clone(),
                    config.bearer_token.clone(),
                    config.credentials_file.clone(),
                ),
                scenarios: config.scenario_rules(),
                guardrails: config.guardrails.clone(),
                region: config.region.clone(),
                tokens_per_second: config.tokens_per_second,
                calendar: config.calendar,
                pacing: config.pacing,
                journal: config.journal.clone(),
                counters: Arc::new(Counters::new()),
                cache: CacheStore::new(config.clock.clone()),
                clock: config.clock.clone(),
                prefill_per_token: config.prefill(),
                prefill_always: config.prefill_always(),
                signer: Signer::new(),
                local_model: config.backend.clone().map(|b| Arc::new(LocalModel::new(b))),
            }),
        }
    }

    /// The counters this state's handlers update (the server adds accepted connections).
    pub(crate) fn counters(&self) -> Arc<Counters> {
        Arc::clone(&self.inner.counters)
    }
}

/// The Bedrock Runtime routes (`modelId` is one percent-encoded path segment),
/// `GET /_local/stats`, and `POST /_local/clock` (only with a manual [`Clock`]).
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/model/{model_id}/converse", post(converse))
        .route("/model/{model_id}/converse-stream", post(converse_stream))
        .route("/model/{model_id}/invoke", post(invoke_model))
        .route(
            "/model/{model_id}/invoke-with-response-stream",
            post(invoke_model_with_response_stream),
        )
        .route("/model/{model_id}/count-tokens", post(count_tokens))
        .route(
            "/guardrail/{guardrail_id}/version/{guardrail_version}/apply",
            post(apply_guardrail),
        )
        .route(STATS_PATH, get(local_stats))
        .route(CLOCK_PATH, post(local_clock))
        .fallback(unknown_operation)
        .method_not_allowed_fallback(unknown_operation)
        // `layer` (unlike `route_layer`) also wraps the fallbacks: no answer leaves unmarked.
        .layer(axum::middleware::map_response(mark_local_answer))
        .with_state(state)
}

/// Puts [`LOCAL_ANSWER_HEADER`] on an answer that does not carry it yet (a replayed recording
/// carries it already, with its own value). The name and value are checked when the crate
/// compiles (`const` blocks), so this cannot fail at run time.
async fn mark_local_answer(mut response: Response) -> Response {
    response
        .headers_mut()
        .entry(const { HeaderName::from_static(LOCAL_ANSWER_HEADER.0) })
        .or_insert(const { HeaderValue::from_static(LOCAL_ANSWER_HEADER.1) });
    response
}

/// `POST /model/{modelId}/converse`
async fn converse(State(state): State<AppState>, request: Request) -> Response {
    state.handle(Operation::Converse, request).await
}

/// `POST /model/{modelId}/converse-stream`
async fn converse_stream(State(state): State<AppState>, request: Request) -> Response {
    state.handle(Operation::ConverseStream, request).await
}

/// `POST /model/{modelId}/invoke`
async fn invoke_model(State(state): State<AppState>, request: Request) -> Response {
    state.handle(Operation::InvokeModel, request).await
}

/// `POST /model/{modelId}/invoke-with-response-stream`
async fn invoke_model_with_response_stream(
    State(state): State<AppState>,
    request: Request,
) -> Response {
    state
        .handle(Operation::InvokeModelWithResponseStream, request)
        .await
}

/// `POST /model/{modelId}/count-tokens`
async fn count_tokens(State(state): State<AppState>, request: Request) -> Response {
    state.handle(Operation::CountTokens, request).await
}

/// `POST /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply`: ApplyGuardrail,
/// signed like every operation, answered by the guardrail alone (no model, no scenario).
async fn apply_guardrail(State(state): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    let request_id = new_request_id();
    let (parts, body) = request.into_parts();
    let mut response = match state.apply(&parts, body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    set_request_id(&mut response, &request_id);
    state.inner.counters.answered(&response);
    tracing::info!(
        operation = "ApplyGuardrail",
        path = %parts.uri.path(),
        status = response.status().as_u16(),
        latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        request_id = %request_id,
        "bedrock-local request"
    );
    response
}

/// `GET /_local/stats`: what the endpoint served since it started, unsigned (nothing in it is
/// secret); not counted in its own `requests`.
async fn local_stats(State(state): State<AppState>) -> Response {
    axum::Json(state.inner.counters.snapshot()).into_response()
}

/// `POST /_local/clock` with `{"advance_seconds": N}`: moves a manual clock forward (prompt-cache
/// entries age by it) and answers `{"now_seconds": ...}`. Unsigned, like the stats, and not
/// counted in them; an endpoint on the system clock answers it as an unknown operation.
async fn local_clock(State(state): State<AppState>, request: Request) -> Response {
    if !state.inner.clock.is_manual() {
        return unknown_operation(State(state), request).await;
    }
    let advance = async {
        let (parts, body) = request.into_parts();
        let body = read_body(&parts, body).await?;
        let value = json::parse_body(&body)?;
        let seconds = json::optional_number(json::object(&value, "")?, "advance_seconds", "")?
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| {
                ApiError::validation(
                    "The advance_seconds field must be a number of seconds, 0 or more.",
                )
            })?;
        let step = std::time::Duration::try_from_secs_f64(seconds)
            .map_err(|_| ApiError::validation("The advance_seconds field is too large."))?;
        state.inner.clock.advance(step);
        Ok::<_, ApiError>(json!({ "now_seconds": state.inner.clock.now().as_secs_f64() }))
    };
    match advance.await {
        Ok(now) => axum::Json(now).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Any other path or method.
async fn unknown_operation(State(state): State<AppState>, request: Request) -> Response {
    let request_id = new_request_id();
    let mut response = ApiError::new(404, "UnknownOperationException", "").into_response();
    set_request_id(&mut response, &request_id);
    state.inner.counters.answered(&response);
    tracing::info!(
        operation = "Unknown",
        path = %request.uri().path(),
        status = 404,
        request_id = %request_id,
        "bedrock-local request"
    );
    response
}

/// The guardrail identifier and version of an ApplyGuardrail path, percent-decoded once (an ARN
/// arrives as one encoded segment).
fn guardrail_from_path(path: &str) -> (String, String) {
    let mut segments = path.trim_start_matches('/').split('/').skip(1);
    let decoded = |segment: Option<&str>| {
        percent_encoding::percent_decode_str(segment.unwrap_or_default())
            .decode_utf8_lossy()
            .into_owned()
    };
    let identifier = decoded(segments.next());
    let version = decoded(segments.nth(1));
    (identifier, version)
}

/// The `modelId` path segment, percent-decoded exactly once.
fn model_id_from_path(path: &str) -> String {
    let segment = path
        .strip_prefix("/model/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

fn new_request_id() -> String {
    let bytes: [u8; 16] = rand::random();
    // 16 bytes are always 32 ASCII hex digits, so every slice below is in range.
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn set_request_id(response: &mut Response, request_id: &str) {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-RequestId", value);
    }
}

impl AppState {
    async fn apply(&self, parts: &Parts, body: Body) -> Result<Response, ApiError> {
        let body = read_body(parts, body).await?;
        self.inner.auth.verify(
            &SignedRequest {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query(),
                headers: &parts.headers,
                body: &body,
            },
            time::OffsetDateTime::now_utc(),
        )?;
        let (identifier, version) = guardrail_from_path(parts.uri.path());
        guardrail::check_version(&version, "guardrailVersion")?;
        let found = self.inner.guardrails.find(&identifier, &version)?;
        let request = guardrail::apply_request(&json::parse_body(&body)?)?;
        let answer = guardrail::apply_response(&found, &version, &self.inner.region, &request);
        Ok(axum::Json(answer).into_response())
    }

    async fn handle(&self, operation: Operation, request: Request) -> Response {
        let started = Instant::now();
        let request_id = new_request_id();
        let (parts, body) = request.into_parts();
        let model_id = model_id_from_path(parts.uri.path());
        let mut response = match self
            .process(operation, &parts, body, &model_id, &request_id)
            .await
        {
            Ok(response) => response,
            Err(error) => error.into_response(),
        };
        set_request_id(&mut response, &request_id);
        self.inner.counters.answered(&response);
        tracing::info!(
            operation = operation.name(),
            model = %model_id,
            status = response.status().as_u16(),
            latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            request_id = %request_id,
            "bedrock-local request"
        );
        response
    }

    async fn process(
        &self,
        operation: Operation,
        parts: &Parts,
        body: Body,
        model_id: &str,
        request_id: &str,
    ) -> Result<Response, ApiError> {
        let body = read_body(parts, body).await?;
        self.inner.journal.record(operation, model_id, &body);
        let caller = self.inner.auth.verify(
            &SignedRequest {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query(),
                headers: &parts.headers,
                body: &body,
            },
            time::OffsetDateTime::now_utc(),
        )?;
        let model = resolve::resolve(model_id, operation, self.inner.calendar)?;
        // Only a set with recordings matches on the digest: others skip the hashing.
        let digest = self
            .inner
            .scenarios
            .has_recordings()
            .then(|| record::conversation_digest(&body));
        let digest = digest.as_deref();
        match operation {
            Operation::Converse | Operation::ConverseStream => {
                let value = json::parse_body(&body)?;
                let mut turn = validate::converse(&value, model_id, model, operation)?;
                let checkpoints = prompt_cache::checkpoints(&value, &turn);
                let points: Vec<_> = checkpoints.iter().map(|c| c.point).collect();
                bedrock_catalog::prompt_cache::check(model, &points)?;
                // A recording answers as the upstream did: its reasoning signatures and
                // guardrails are not this endpoint's to judge again.
                if let Some(digest) = digest
                    && self.inner.scenarios.has_recording_for(&turn, digest)
                {
                    return self
                        .answer(
                            &turn,
                            model,
                            request_id,
                            None,
                            Shaping::default(),
                            None,
                            Some(digest),
                        )
                        .await;
                }
                let shaping = Shaping {
                    reasoning: Some(reasoning::mode(&value, &turn, model, &self.inner.signer)?),
                    structured: structured::Request::parse(&value, model)?,
                };
                // The prompt check comes after every validation: a blocked prompt is an answer.
                let mut guard =
                    guardrail::converse_config(&self.inner.guardrails, &value, operation)?
                        .map(|config| Guard::new(config, &self.inner.region));
                if let Some(guard) = &mut guard
                    && let InputVerdict::Blocked(reply) = guard.check_input(&value, &mut turn)
                {
                    return Ok(self
                        .render(&reply, &turn, model, request_id, Ending::Complete)
                        .await);
                }
                let cache = (!checkpoints.is_empty()).then_some(CacheRequest {
                    caller,
                    checkpoints,
                });
                self.answer(&turn, model, request_id, cache, shaping, guard, digest)
                    .await
            }
            Operation::InvokeModel | Operation::InvokeModelWithResponseStream => {
                let value = json::parse_body(&body)?;
                let turn = providers::parse(&value, model_id, model, operation)?;
                self.answer(
                    &turn,
                    model,
                    request_id,
                    None,
                    Shaping::default(),
                    None,
                    digest,
                )
                .await
            }
            Operation::CountTokens => self.count_tokens(&body, model_id, model, digest).await,
        }
    }

    async fn count_tokens(
        &self,
        body: &[u8],
        model_id: &str,
        model: &Model,
        digest: Option<&str>,
    ) -> Result<Response, ApiError> {
        let value = json::parse_body(body)?;
        let root = json::object(&value, "")?;
        let input = json::object(json::required(root, "input", "")?, "input")?;
        let turn = if let Some(converse) = json::optional(input, "converse") {
            json::object(converse, "input.converse")?;
            validate::converse(converse, model_id, model, Operation::CountTokens)?
        } else if let Some(invoke) = json::optional(input, "invokeModel") {
            let invoke = json::object(invoke, "input.invokeModel")?;
            let encoded = json::string(
                json::required(invoke, "body", "input.invokeModel")?,
                "input.invokeModel.body",
            )?;
            let raw = BASE64.decode(encoded).map_err(|_| {
                ApiError::validation("The input.invokeModel.body field must be base64-encoded.")
            })?;
            let native = json::parse_body(&raw)?;
            providers::parse(&native, model_id, model, Operation::CountTokens)?
        } else {
            return Err(ApiError::validation(
                "The input field must set exactly one of converse or invokeModel.",
            ));
        };
        // Faults scripted for CountTokens (throttling, ...) still apply; answers do not, but a
        // recorded count is the count that was answered.
        match self.inner.scenarios.respond_to(&turn, digest) {
            Outcome::Recorded(recorded) => Ok(replay::response(&recorded).await),
            Outcome::Fault(Fault::Exception {
                code,
                status,
                message,
            }) => Err(ApiError::new(status, code, message)),
            Outcome::Fault(Fault::Timeout(delay)) => {
                tokio::time::sleep(delay).await;
                Err(ApiError::model_timeout(TIMEOUT_MESSAGE))
            }
            // The count Converse would report as `usage.inputTokens` for the same input.
            Outcome::Answer(answer) => {
                let tokens = answer
                    .usage
                    .input_tokens
                    .unwrap_or_else(|| crate::tokens::count_turn(&turn));
                Ok(axum::Json(json!({ "inputTokens": tokens })).into_response())
            }
            _ => Ok(
                axum::Json(json!({ "inputTokens": crate::tokens::count_turn(&turn) }))
                    .into_response(),
            ),
        }
    }

    // Each argument is one product of the pipeline in `process` (the parsed turn, its model,
    // the cache points, the shaping, the guardrail, the digest); a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    async fn answer(
        &self,
        turn: &Turn,
        model: &'static Model,
        request_id: &str,
        cache: Option<CacheRequest>,
        shaping: Shaping,
        guard: Option<Guard>,
        digest: Option<&str>,
    ) -> Result<Response, ApiError> {
        let outcome = match self.inner.scenarios.rule_outcome(turn, digest) {
            Some(outcome) => outcome,
            None => match &self.inner.local_model {
                Some(local) => {
                    return self
                        .generate(local, turn, model, request_id, cache, &shaping, guard)
                        .await;
                }
                None => self.inner.scenarios.unmatched(turn),
            },
        };
        let (answer, ending) = match outcome {
            Outcome::Answer(answer) => (answer, Ending::Complete),
            // A recording is the answer as it was: no cut, no cache accounting, its own pace.
            Outcome::Recorded(recorded) => return Ok(replay::response(&recorded).await),
            Outcome::Fault(Fault::Exception {
                code,
                status,
                message,
            }) => {
                return Err(ApiError::new(status, code, message));
            }
            Outcome::Fault(Fault::Timeout(delay)) => {
                tokio::time::sleep(delay).await;
                return Err(ApiError::model_timeout(TIMEOUT_MESSAGE));
            }
            Outcome::Fault(Fault::StreamException {
                after_events,
                exception,
                message,
                answer,
            }) => (
                answer,
                Ending::Exception {
                    after_events,
                    exception_type: exception,
                    message,
                },
            ),
            Outcome::Fault(Fault::Stall {
                after_events,
                answer,
            }) => (answer, Ending::Stall { after_events }),
        };
        let answer = shaping.apply(answer, turn);
        let mut reply = self.finish(answer, turn, model);
        let prefills = self.inner.prefill_always || cache.is_some();
        self.account_cache(&mut reply, cache, turn, model);
        // Prefill: the model reads every input token it did not find in the cache.
        if prefills {
            reply.latency += self
                .inner
                .prefill_per_token
                .saturating_mul(reply.uncached_input_tokens());
        }
        if let Some(mut guard) = guard {
            guard.check_output(&mut reply, turn.operation);
        }
        Ok(self.render(&reply, turn, model, request_id, ending).await)
    }

    /// The local model's answer to `turn`: live for a ConverseStream that nothing must see
    /// whole (a guardrail checks the whole answer; the prompt cache rewrites its usage), else
    /// gathered and rendered like any answer. Marked with the model's name and server.
    #[allow(clippy::too_many_arguments)] // the same products of the pipeline as `answer`
    async fn generate(
        &self,
        local: &Arc<LocalModel>,
        turn: &Turn,
        model: &'static Model,
        request_id: &str,
        cache: Option<CacheRequest>,
        shaping: &Shaping,
        guard: Option<Guard>,
    ) -> Result<Response, ApiError> {
        let name = local.name_for(turn).to_string();
        let marker = local.marker(&name);
        let mut response =
            if turn.operation == Operation::ConverseStream && guard.is_none() && cache.is_none() {
                let opened = local.open_stream(turn, &name, &shaping.structured).await?;
                backend::live_response(
                    opened,
                    Arc::clone(local),
                    name,
                    self.inner.signer.clone(),
                    model,
                    crate::tokens::count_turn(turn),
                )
            } else {
                let (finished, latency) = local.complete(turn, &name, &shaping.structured).await?;
                let mut reply = Reply {
                    input_tokens: finished
                        .input_tokens
                        .unwrap_or_else(|| crate::tokens::count_turn(turn)),
                    output_tokens: finished.output_tokens,
                    blocks: finished.blocks,
                    stop_reason: finished.stop_reason,
                    latency,
                    stream: crate::turn::StreamShape {
                        tokens_per_chunk: crate::scenario::DEFAULT_CHUNK_TOKENS,
                        tokens_per_second: None,
                    },
                    cache: None,
                    trace: None,
                    measured: true,
                };
                self.account_cache(&mut reply, cache, turn, model);
                if let Some(mut guard) = guard {
                    guard.check_output(&mut reply, turn.operation);
                }
                self.render(&reply, turn, model, request_id, Ending::Complete)
                    .await
            };
        response.headers_mut().insert(
            const { HeaderName::from_static(LOCAL_ANSWER_HEADER.0) },
            marker,
        );
        Ok(response)
    }

    /// Looks the request's cache points up in the prompt cache (and writes them), and counts
    /// what it read and wrote in `reply`'s usage.
    fn account_cache(
        &self,
        reply: &mut Reply,
        cache: Option<CacheRequest>,
        turn: &Turn,
        model: &Model,
    ) {
        if let (Some(cache), Some(rules)) = (cache, &model.prompt_cache) {
            let usage = self.inner.cache.apply(
                &cache.caller.0,
                &model.id,
                rules.min_tokens,
                &cache.checkpoints,
            );
            reply.account_cache(usage, turn);
        }
    }

    /// The response for a finished reply, in the format of the operation that asked.
    async fn render(
        &self,
        reply: &Reply,
        turn: &Turn,
        model: &Model,
        request_id: &str,
        ending: Ending,
    ) -> Response {
        let signatures = Signatures::for_model(&self.inner.signer, model);
        match turn.operation {
            Operation::ConverseStream => {
                stream::response(converse::stream_plan(reply, signatures), ending)
            }
            Operation::InvokeModelWithResponseStream => {
                invoke::stream_response(reply, model, request_id, ending)
            }
            // Mid-stream faults only shape streams; a plain call gets the answer.
            Operation::Converse => {
                let latency = self.plain_latency(reply);
                if !reply.measured {
                    simulate_latency(latency).await;
                }
                axum::Json(converse::response_body(reply, latency, signatures)).into_response()
            }
            Operation::InvokeModel | Operation::CountTokens => {
                if !reply.measured {
                    simulate_latency(self.plain_latency(reply)).await;
                }
                invoke::response(reply, model, request_id)
            }
        }
    }

    fn finish(&self, mut answer: Answer, turn: &Turn, model: &Model) -> Reply {
        let mut default_tps = self.inner.tokens_per_second;
        if let (Pacing::Realistic, Some(pace)) = (self.inner.pacing, &model.pace) {
            // A scenario's own latency and pace win: they were written for a reason.
            if answer.latency.is_zero() {
                answer.latency = std::time::Duration::from_millis(u64::from(pace.first_token_ms));
            }
            default_tps = default_tps.or(Some(pace.output_tokens_per_second));
        }
        answer::finish(answer, turn, model.max_output_tokens, default_tps)
    }

    /// How long a non-streaming answer takes: the first token's latency, and with realistic
    /// pacing also the time to generate the rest (a stream spreads that over its events).
    fn plain_latency(&self, reply: &Reply) -> std::time::Duration {
        if reply.measured {
            return reply.latency;
        }
        match self.inner.pacing {
            Pacing::Fast => reply.latency,
            Pacing::Realistic => reply.latency + reply.pause_for(reply.output_tokens),
        }
    }
}

/// A body this much over the limit is no longer drained, and the connection is dropped.
const MAX_DRAIN_BYTES: usize = 4 * MAX_BODY_BYTES;

pub(crate) async fn read_body(parts: &Parts, body: Body) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            413,
            "ValidationException",
            format!(
                "The request body exceeds the limit of {MAX_BODY_BYTES} bytes (20 MiB) of this endpoint. Send a smaller request."
            ),
        )
    };
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut buffer = Vec::with_capacity(declared.unwrap_or(0).min(MAX_BODY_BYTES));
    let mut received = 0usize;
    let mut stream = body.into_data_stream();
    // Past the limit the rest is read and dropped rather than left unread: answering while the
    // client is still writing would reset the connection, and the client would see a broken pipe
    // instead of this error.
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::validation("The request body could not be read."))?;
        received = received.saturating_add(chunk.len());
        if received > MAX_DRAIN_BYTES {
            break;
        }
        if received <= MAX_BODY_BYTES {
            buffer.extend_from_slice(&chunk);
        }
    }
    if received > MAX_BODY_BYTES || declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    Ok(Bytes::from(buffer))
}

/// Waits out a scenario's model latency. A zero latency returns at once: even a zero-length
/// tokio sleep waits for the timer's next 1 ms tick, which added ~1 ms to every plain answer.
async fn simulate_latency(latency: std::time::Duration) {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
}
