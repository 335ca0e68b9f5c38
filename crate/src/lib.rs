//! Blocking, notebook-friendly access to Amazon Bedrock's Invoke, Converse and ConverseStream
//! APIs, against AWS or an in-process local endpoint.
//!
//! Every call a notebook makes is a plain blocking method with concrete types: no `.await`, no
//! generics over SDK types. A [`Bedrock`] handle owns a session: one worker thread with one
//! runtime and one SDK client, so connections are reused and credentials refresh for as long as
//! the handle lives, while every call hands the worker plain data and gets plain data back (a
//! notebook cell never runs async code of its own). The `_async` twins serve scripts and tests.
//!
//! # Connecting
//!
//! [`Bedrock::connect`] picks the backend (`BEDROCK_BACKEND=aws|local`, else the AWS credential
//! chain, else the local endpoint) and prints one line saying which.
//!
//! ```
//! # fn main() -> bedrock_kit::Result<()> {
//! use bedrock_kit::Bedrock;
//! let bedrock = Bedrock::local()?; // or Bedrock::connect()?
//! # Ok(()) }
//! ```
//!
//! # Models
//!
//! Models are named by their display name or any id. [`Bedrock::models`] shows the catalog with
//! the id to call in the session's region and each model's lifecycle state on the session's date
//! (Active, Legacy, end of life); [`Bedrock::resolve`] gives one id. [`default_model`] is the
//! catalog's working model. A retired model's refusal becomes [`Error::EndOfLife`], naming the
//! date and the replacement. The data lives in the `bedrock-catalog` crate, shared with the local
//! endpoint.
//!
//! ```
//! # fn main() -> bedrock_kit::Result<()> {
//! # let bedrock = bedrock_kit::Bedrock::local()?;
//! assert_eq!(bedrock.resolve("Claude Sonnet 4.5")?, "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
//! # Ok(()) }
//! ```
//!
//! # Converse and streaming
//!
//! ```
//! # fn main() -> bedrock_kit::Result<()> {
//! # let bedrock = bedrock_kit::Bedrock::local()?;
//! use bedrock_kit::Request;
//! let request = Request::new("Summarise: rivers carry water to the sea.").temperature(0.4).max_tokens(500);
//! let reply = bedrock.send("Amazon Nova Pro", &request)?;   // whole answer
//! let streamed = bedrock.stream("Amazon Nova Pro", &request)?; // printed line by line
//! println!("{}", streamed.summary());
//! # Ok(()) }
//! ```
//!
//! # Native bodies (InvokeModel)
//!
//! ```
//! # fn main() -> bedrock_kit::Result<()> {
//! # let bedrock = bedrock_kit::Bedrock::local()?;
//! use bedrock_kit::Params;
//! let reply = bedrock.invoke_text("Claude Haiku 4.5", "Summarise ...", &Params::default().temperature(0.5))?;
//! # Ok(()) }
//! ```
//!
//! # Comparing models, conversations, tools
//!
//! ```
//! # fn main() -> bedrock_kit::Result<()> {
//! # let bedrock = bedrock_kit::Bedrock::local()?;
//! use bedrock_kit::{Conversation, Request, tools::{ToolBox, Weather}};
//! let comparison = bedrock.compare(&["Amazon Nova Micro", "Claude Haiku 4.5"], &Request::new("Hi"));
//! let mut chat = Conversation::new().model("Amazon Nova Micro").user("Hello");
//! bedrock.chat(&mut chat)?;
//! let run = bedrock.run_tools("Claude Haiku 4.5", &Request::new("Weather in Miami?"), &ToolBox::new().with(Weather))?;
//! # Ok(()) }
//! ```
//!
//! # Caching and cost
//!
//! Every [`Reply`] carries its [`Cost`] at the catalog's prices, and [`Bedrock::costs`] is the
//! handle's ledger. [`Request::cache_system`], [`Request::cache_tools`] and
//! [`Request::cache_point`] place Bedrock prompt-cache checkpoints (checked before sending);
//! [`Bedrock::with_response_cache`] answers an identical request from the kit's own cache, in
//! memory or on disk ([`CacheOptions`], [`Bedrock::cache_stats`]).
//!
//! # Guardrails, reasoning, structured output
//!
//! [`Request::guardrail`] applies a Bedrock guardrail and [`Reply::guardrail`] says what it did;
//! [`Bedrock::apply_guardrail`] checks any text. [`Request::thinking`] turns on extended thinking
//! (the model's rules applied and announced). [`Bedrock::extract`] returns a typed value, through
//! native structured output or a forced tool call.
//!
//! # Display
//!
//! [`Reply`], [`ModelTable`], [`Comparison`], [`Conversation`], [`tools::ToolRun`],
//! [`code::CodeCheck`], [`CostTable`], [`CallTable`], [`CacheStats`] and [`GuardrailCheck`]
//! implement `Display` for terminals and an inherent `evcxr_display` that
//! renders HTML (Markdown through comrak, GFM tables, highlighted code) in a notebook.
//!
//! # Errors
//!
//! Every fallible call returns [`Result`]; [`Error`] keeps Bedrock's code and message and says
//! what to do next (enable model access, use an inference profile, slow down, ...).

#![warn(missing_docs)]

mod backend;
mod call;
mod catalog;
pub mod code;
mod compare;
mod connect;
mod conversation;
mod converse;
mod cost;
pub mod display;
mod error;
mod extract;
mod guardrail;
mod invoke;
mod message;
mod reply;
mod request;
pub mod response_cache;
mod sdk_error;
mod session;
mod settings;
mod stream;
pub mod tools;
mod wire;
mod wire_json;

pub use backend::{Backend, Bedrock};
pub use bedrock_catalog::{
    CacheTtl, Date, Demo, Geography, Lifecycle, Model, ModelId, Prices, Provider, Rates, State,
    base_model_id, find as find_model, models as catalog, parse_date, price_source, prices_for,
};
pub use catalog::{
    ModelRow, ModelTable, default_model, model_names, seed_model_names, workshop_model_names,
};
pub use compare::{CompareEntry, Comparison};
pub use connect::BACKEND_ENV;
pub use conversation::Conversation;
pub use cost::{CallTable, Cost, CostRow, CostTable};
pub use error::{Error, Result, SdkError};
pub use extract::{Extracted, ExtractionRoute};
pub use guardrail::{
    Finding, GuardrailCheck, GuardrailReport, GuardrailSource, GuardrailTrace, GuardrailUse,
    Policy, Stage, StreamProcessing,
};
pub use invoke::native_body;
pub use message::{Block, Message, Role, ToolResult, ToolStatus, ToolUse};
pub use reply::{Reply, Usage};
pub use request::{OutputSchema, Params, Request, ToolChoice, ToolSpec};
pub use response_cache::{CacheOptions, CacheStats};
pub use settings::{COMPARE_CONCURRENCY, MAX_TOOL_ROUNDS, RetryMode, Settings};
pub use tools::{Tool, ToolBox, ToolError, ToolRun, TypedTool};
