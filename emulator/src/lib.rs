//! A local Amazon Bedrock Runtime endpoint that official SDKs cannot tell from the real one.
//!
//! `bedrock-local` speaks the Bedrock Runtime wire protocol (Converse, ConverseStream,
//! InvokeModel, InvokeModelWithResponseStream, CountTokens), checks SigV4 signatures or a bearer
//! token, validates requests with Bedrock's own messages, and answers from deterministic
//! scenario rules, including injected faults. Nothing here talks to AWS, except [`record`]: a
//! proxy that forwards to Amazon Bedrock and writes every exchange as a scenario rule, which
//! `serve --scenarios FILE` then replays offline.
//!
//! # Start it in-process
//!
//! ```no_run
//! let endpoint = bedrock_local::start(bedrock_local::Config::default())?;
//! println!("{} signed by {}", endpoint.endpoint_url(), endpoint.credentials());
//! endpoint.stop();
//! # Ok::<(), bedrock_local::Error>(())
//! ```
//!
//! # Drive it in tests without a socket
//!
//! [`app`] returns the `axum::Router`, ready for `tower::ServiceExt::oneshot`.
//!
//! # Watch it
//!
//! `GET /_local/stats` answers, unsigned, what the endpoint served since it started (accepted
//! connections, requests, errors, streams); [`LocalEndpoint::stats`] returns the same [`Stats`]
//! in-process. Every answer carries the header
//! [`bedrock_catalog::messages::LOCAL_ANSWER_HEADER`] (`x-bedrock-local: scripted`, or
//! `model NAME via URL` for a local model's answer).
//!
//! # Prompt caching
//!
//! `cachePoint` blocks in `toolConfig.tools`, `system` and message `content` (Converse and
//! ConverseStream) are judged by `bedrock_catalog::prompt_cache::check` and cached as Bedrock
//! caches: per caller, model and exact prefix, with the model's minimum per checkpoint and the
//! checkpoint's TTL, restarted on each hit. `usage` reports `cacheReadInputTokens`,
//! `cacheWriteInputTokens` and `cacheDetails`. [`Config::prefill_per_token`] makes a miss slower
//! than a hit; [`Config::clock`] with [`Clock::manual`] lets a test expire entries at once.
//!
//! # Reasoning and structured outputs
//!
//! Claude's extended thinking (`additionalModelRequestFields.thinking`, judged by
//! `bedrock_catalog::thinking::check`) and DeepSeek-R1's default reasoning put a reasoning block
//! first in the answer (`reasoningContent` deltas in a stream), signed with a secret of this
//! endpoint so that a tool loop must send it back unchanged. `outputConfig.textFormat` makes the
//! answer text JSON that fits the request's schema ([`structured`]); `toolSpec.strict` makes a
//! tool's input fit its schema.
//!
//! # Guardrails
//!
//! `guardrailConfig` on Converse and ConverseStream (`trace`, `streamProcessingMode`,
//! `guardContent` blocks) and `POST /guardrail/{id}/version/{version}/apply` (ApplyGuardrail)
//! apply guardrails defined as data ([`GuardrailSet`], [`Config::guardrails`]); the built-in
//! `workshop-demo` (versions `DRAFT` and `1`) denies investment advice, anonymizes e-mail
//! addresses and phone numbers and blocks profanity.
//!
//! # Run the binary
//!
//! `cargo run --bin bedrock-local -- serve` prints one line with the address and the environment
//! variables (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, the keys, `AWS_REGION` and
//! `AWS_DEFAULT_REGION`) that point any SDK at it. `--credentials-file FILE` also accepts the
//! keys a JSON file lists, each until its expiry ([`Config::credentials_file`]).

mod answer;
mod app;
mod auth;
mod backend;
mod background;
mod clock;
mod config;
mod converse;
mod data_file;
mod error;
mod eventstream;
mod guardrail;
mod http_client;
mod invoke;
mod journal;
mod json;
mod key_file;
mod prompt_cache;
mod providers;
mod reasoning;
pub mod record;
mod replay;
mod resolve;
pub mod scenario;
mod server;
mod stats;
mod stream;
pub mod structured;
pub mod tokens;
pub mod turn;
mod validate;

pub use app::{AppState, app};
pub use auth::SIGNING_SERVICE;
pub use backend::{
    Backend, BackendError, DEFAULT_IDLE_TIMEOUT, DEFAULT_LOCAL_MODEL, MODEL_KEY_ENV, MODEL_MAP_ENV,
    MODEL_URL_ENV, ModelMap,
};
pub use clock::{CLOCK_PATH, Clock};
pub use config::{
    Config, ConfigError, Credentials, DATE_ENV, DEFAULT_PREFILL_PER_TOKEN, DEFAULT_REGION,
    FAST_PREFILL_PER_TOKEN, MAX_BODY_BYTES, MAX_CLOCK_SKEW_SECONDS, PACE_ENV, Pacing,
};
pub use error::ApiError;
pub use guardrail::{GuardrailError, GuardrailSet};
pub use http_client::{CA_BUNDLE_ENV, ca_bundle_from_env};
pub use journal::Received;
pub use scenario::{ScenarioError, ScenarioSet};
pub use server::{Error, LocalEndpoint, serve, serve_until, shutdown_signal, start};
pub use stats::{STATS_PATH, Stats};
pub use validate::{
    FIRST_MESSAGE_USER, NO_STREAMING_TOOL_USE, NO_SYSTEM_PROMPT, NO_TOOL_USE, ROLES_ALTERNATE,
    TEMPERATURE_TOP_P_EXCLUSIVE, TOOL_CONFIG_REQUIRED, max_tokens_message,
};
