//! The [`Bedrock`] handle: which backend, region, endpoint and credentials, as plain data.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use bedrock_catalog::Date;

use crate::catalog::{ModelTable, resolve_id};
use crate::cost::{CostTable, Ledger};
use crate::error::Result;
use crate::response_cache::{CacheOptions, CacheStats, ResponseCache};
use crate::session::Session;
use crate::settings::Settings;

/// Where requests go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Amazon Bedrock (or whatever `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` points at).
    Aws,
    /// The local endpoint (bedrock-local), started in-process or reached by URL.
    Local,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Aws => "aws",
            Backend::Local => "local",
        })
    }
}

/// A handle to Bedrock: `Clone`, usable from any notebook cell, any number of times.
///
/// The handle and all its clones share one session: a worker thread with one SDK client, whose
/// connections are reused from call to call and whose credentials (from the AWS chain) are
/// refreshed before they expire. A call hands the worker plain data and waits for plain data
/// back, so nothing async crosses from one notebook cell into another. Dropping the last clone
/// stops the worker. The `_async` twins serve scripts and tests.
///
/// ```
/// # fn main() -> bedrock_kit::Result<()> {
/// let bedrock = bedrock_kit::Bedrock::local()?;
/// let reply = bedrock.ask("Amazon Nova Micro", "Say hello")?;
/// assert!(!reply.text.is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Bedrock {
    pub(crate) backend: Backend,
    pub(crate) region: String,
    pub(crate) endpoint: Option<String>,
    pub(crate) credential_source: String,
    pub(crate) settings: Settings,
    /// The day model lifecycles are read for: today on AWS, the local endpoint's own date.
    pub(crate) date: Date,
    /// The worker every call of this handle and its clones goes through.
    pub(crate) session: Arc<Session>,
    /// Keeps an in-process local endpoint running while any clone of the handle lives.
    #[allow(dead_code)] // never read: holding it is the point
    pub(crate) keep_alive: Option<Arc<dyn Any + Send + Sync>>,
    /// Every call's tokens and cost, shared by the clones.
    pub(crate) ledger: Arc<Ledger>,
    /// Answers kept for identical requests, when turned on.
    pub(crate) response_cache: Option<ResponseCache>,
    /// The model server behind an in-process local endpoint, when it has one.
    pub(crate) local_model_url: Option<String>,
}

impl fmt::Debug for Bedrock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bedrock")
            .field("backend", &self.backend)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("credential_source", &self.credential_source)
            .field("settings", &self.settings)
            .field("date", &self.date)
            .field("local_model_url", &self.local_model_url)
            .finish_non_exhaustive()
    }
}

/// What [`Bedrock::real_answers_hint`] says when a local model server answers.
const LOCAL_MODEL_HINT: &str = "These answers come from a local model standing in for the Bedrock \
    models named, not from Bedrock: expect other words, speed and quality. For Bedrock's own \
    answers, give the AWS SDK credentials and run again with BEDROCK_BACKEND=aws; README.md, \
    \"Real Bedrock\", has the steps.";

/// What [`Bedrock::real_answers_hint`] says.
const REAL_ANSWERS_HINT: &str = "These answers come from the local endpoint's scripted rules, not \
    from a model. For a model's answers, give the AWS SDK credentials (`aws configure`, `aws sso \
    login` with AWS_PROFILE, or AWS_BEARER_TOKEN_BEDROCK for a Bedrock API key) and run again \
    with BEDROCK_BACKEND=aws; README.md, \"Real Bedrock\", has the steps.";

impl Bedrock {
    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The session region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The endpoint URL, when not the default AWS one.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// Where the credentials came from (never the secret).
    pub fn credential_source(&self) -> &str {
        &self.credential_source
    }

    /// The day model lifecycles are read for: today on AWS, the date the local endpoint answers
    /// as of (`BEDROCK_LOCAL_DATE`, default today) on the local backend.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The model server that answers behind the in-process local endpoint
    /// (`BEDROCK_LOCAL_MODEL_URL`), when there is one.
    pub fn local_model_url(&self) -> Option<&str> {
        self.local_model_url.as_deref()
    }

    /// How to get a model's answers instead of scripted ones: `Some` on the local backend, for
    /// programs to print under their output; `None` on AWS.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::local()?;
    /// assert!(bedrock.real_answers_hint().is_some_and(|hint| hint.contains("BEDROCK_BACKEND=aws")));
    /// # Ok(()) }
    /// ```
    pub fn real_answers_hint(&self) -> Option<&'static str> {
        match (self.backend, &self.local_model_url) {
            (Backend::Local, None) => Some(REAL_ANSWERS_HINT),
            (Backend::Local, Some(_)) => Some(LOCAL_MODEL_HINT),
            (Backend::Aws, _) => None,
        }
    }

    /// The settings every call uses.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The same handle with other settings (retries, timeouts, echo, concurrency).
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, RetryMode, Settings};
    /// let bedrock = Bedrock::local()?
    ///     .with_settings(Settings::default().retry_mode(RetryMode::Adaptive).max_attempts(5));
    /// assert_eq!(bedrock.settings().max_attempts, 5);
    /// # Ok(()) }
    /// ```
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The same handle with a response cache: an identical request (same model id, same
    /// messages, settings and tools, in any field order) is answered from the cache, without a
    /// call, until the entry's TTL ends. Sampled requests (a temperature other than 0, or none
    /// set, which means the model's default) are cached only with
    /// [`CacheOptions::cache_sampled`]. A cache on disk survives a kernel restart.
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// use bedrock_kit::{Bedrock, CacheOptions, Request};
    /// let bedrock = Bedrock::local()?.with_response_cache(CacheOptions::in_memory())?;
    /// let request = Request::new("What is Amazon Bedrock?").temperature(0.0);
    /// let first = bedrock.send("Amazon Nova Micro", &request)?;
    /// let again = bedrock.send("Amazon Nova Micro", &request)?;
    /// assert!(!first.from_cache && again.from_cache);
    /// assert_eq!((first.text, bedrock.cache_stats().map(|s| s.hits)), (again.text, Some(1)));
    /// # Ok(()) }
    /// ```
    pub fn with_response_cache(mut self, options: CacheOptions) -> Result<Self> {
        self.response_cache = Some(ResponseCache::open(&options)?);
        Ok(self)
    }

    /// The same handle without its response cache (what it stored stays on disk).
    pub fn without_response_cache(mut self) -> Self {
        self.response_cache = None;
        self
    }

    /// What the response cache has done: hits, misses, tokens and seconds saved; `None` when the
    /// handle has no response cache.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.response_cache.as_ref().map(ResponseCache::stats)
    }

    /// Empties the response cache (memory and disk).
    pub fn clear_response_cache(&self) -> Result<()> {
        match &self.response_cache {
            Some(cache) => cache.clear(),
            None => Ok(()),
        }
    }

    /// What this handle and its clones have spent so far, by model, at Bedrock's on-demand
    /// prices (answers from the response cache count, at no cost).
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::local()?;
    /// bedrock.ask("Claude Haiku 4.5", "Hello")?;
    /// let costs = bedrock.costs();
    /// assert_eq!(costs.rows[0].calls, 1);
    /// assert!(costs.total().total() > 0.0);
    /// # Ok(()) }
    /// ```
    pub fn costs(&self) -> CostTable {
        self.ledger.table()
    }

    /// The one line `connect` prints: backend, region, endpoint, credential source.
    pub fn describe(&self) -> String {
        let endpoint = self
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://bedrock-runtime.{}.amazonaws.com", self.region));
        // The local endpoint lives on a date (models retire on it); say which.
        let date = match (self.backend, &self.local_model_url) {
            (Backend::Local, None) => format!(" · answering as of {}", self.date),
            (Backend::Local, Some(url)) => format!(
                " · answering as of {} · answers from the local model server at {url}",
                self.date
            ),
            (Backend::Aws, _) => String::new(),
        };
        format!(
            "bedrock: backend {} · region {}{date} · endpoint {} · credentials from {}",
            self.backend, self.region, endpoint, self.credential_source
        )
    }

    /// The model catalog with the id to call in this session's region and each model's
    /// lifecycle state on the session's [`date`](Self::date).
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::local()?;
    /// let table = bedrock.models();
    /// assert_eq!(table.id("Claude Haiku 4.5"), Some("us.anthropic.claude-haiku-4-5-20251001-v1:0"));
    /// # Ok(()) }
    /// ```
    pub fn models(&self) -> ModelTable {
        ModelTable::for_region(&self.region, self.date)
    }

    /// The id to call for a display name or id (the region's inference profile when needed).
    ///
    /// ```
    /// # fn main() -> bedrock_kit::Result<()> {
    /// let bedrock = bedrock_kit::Bedrock::local()?; // region us-east-1
    /// assert_eq!(bedrock.resolve("DeepSeek-R1")?, "us.deepseek.r1-v1:0");
    /// assert_eq!(bedrock.resolve("amazon.nova-pro-v1:0")?, "amazon.nova-pro-v1:0");
    /// # Ok(()) }
    /// ```
    pub fn resolve(&self, name_or_id: &str) -> Result<String> {
        resolve_id(name_or_id, &self.region)
    }
}

impl fmt::Display for Bedrock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
