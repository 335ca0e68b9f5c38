//! Settings of a local endpoint: address, credentials, bearer token, scenarios, the date it
//! answers as of, and pace.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bedrock_catalog::Date;
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::backend::{Backend, BackendError};
use crate::clock::Clock;
use crate::guardrail::GuardrailSet;
use crate::journal::Journal;
use crate::key_file::KeyFile;
use crate::resolve::Calendar;
use crate::scenario::ScenarioSet;

/// The region the endpoint reports and the SDKs sign for.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Largest request body accepted: Bedrock's own limit for a Converse request with inline
/// documents and images is in this range, and it bounds the memory one request can take.
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

/// How far `x-amz-date` may be from the endpoint's clock.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;

/// Environment variable with the date the endpoint answers as of (`YYYY-MM-DD`).
pub const DATE_ENV: &str = "BEDROCK_LOCAL_DATE";

/// Environment variable with the pace (`fast` or `realistic`).
pub const PACE_ENV: &str = "BEDROCK_LOCAL_PACE";

/// The time a model takes per input token it has to process (not read from the prompt cache),
/// under [`Pacing::Realistic`] unless [`Config::prefill_per_token`] sets another: 0.1 ms, so a
/// 5,000-token prompt takes 0.5 s more on a cache miss than on a hit, as a cache hit is
/// noticeably faster on Bedrock. Under [`Pacing::Fast`] it is [`FAST_PREFILL_PER_TOKEN`].
pub const DEFAULT_PREFILL_PER_TOKEN: Duration = Duration::from_micros(100);

/// The prefill time per uncached input token under [`Pacing::Fast`], for requests that carry a
/// `cachePoint` only: a fifth of the realistic one, so a notebook still sees a 10,000-token
/// prefix answer about 0.2 s sooner when it comes from the cache, while every other request (and
/// every throughput figure) stays as fast as before.
pub const FAST_PREFILL_PER_TOKEN: Duration = Duration::from_micros(20);

/// How quickly answers come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pacing {
    /// As fast as the machine allows, unless a scenario sets a latency or pace (for tests).
    #[default]
    Fast,
    /// Each model's typical time to first token and output speed from the catalog, so that a
    /// comparison or a stream shows the real ordering of models, not loopback noise.
    Realistic,
}

impl Pacing {
    /// The pace named `fast` or `realistic`.
    pub fn from_name(name: &str) -> Result<Pacing, ConfigError> {
        match name.trim() {
            "fast" => Ok(Pacing::Fast),
            "realistic" => Ok(Pacing::Realistic),
            other => Err(ConfigError::Pace(other.to_string())),
        }
    }
}

/// A setting that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Not a `YYYY-MM-DD` date.
    #[error("{0}")]
    Date(#[from] bedrock_catalog::DateError),
    /// Not a pace this endpoint knows.
    #[error("unknown pace {0:?}: use fast or realistic")]
    Pace(String),
    /// A model backend setting that cannot be used.
    #[error("{0}")]
    Backend(#[from] BackendError),
    /// An environment variable that holds a bad value.
    #[error("{name}: {error}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What is wrong with its value.
        error: Box<ConfigError>,
    },
    /// A credentials file that cannot be read or parsed. The message never quotes a secret.
    #[error(
        "credentials file `{}`{}{}: {message}",
        path.display(),
        entry.map(|n| format!(", entry #{n}")).unwrap_or_default(),
        field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default()
    )]
    CredentialsFile {
        /// The file as given.
        path: PathBuf,
        /// The entry of `credentials` (1-based), when the mistake is inside one.
        entry: Option<usize>,
        /// The field of that entry (`Expiration`), when known.
        field: Option<String>,
        /// What is wrong and what to write instead.
        message: String,
    },
}

/// An access key pair the endpoint accepts. `Debug` and `Display` never show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Access key id (`AKIA...`).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
}

impl Credentials {
    /// A key pair from its two parts.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
        }
    }

    /// A fresh random pair, shaped like real AWS keys (20-character id, 40-character secret).
    pub fn random() -> Self {
        let mut rng = rand::rng();
        let id_tail: String = (&mut rng)
            .sample_iter(Alphanumeric)
            .take(11)
            .map(|b| char::from(b).to_ascii_uppercase())
            .collect();
        let secret: String = (&mut rng)
            .sample_iter(Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        Credentials {
            access_key_id: format!("AKIALOCAL{id_tail}"),
            secret_access_key: secret,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (secret hidden)", self.access_key_id)
    }
}

/// How to run a local endpoint; build with the chained setters, start with [`crate::start`].
#[derive(Clone)]
pub struct Config {
    pub(crate) addr: SocketAddr,
    pub(crate) credentials: Credentials,
    pub(crate) credentials_file: Option<KeyFile>,
    pub(crate) bearer_token: Option<String>,
    /// `None` until set: the built-in rules, or only their fault demonstrations with a backend.
    pub(crate) scenarios: Option<ScenarioSet>,
    pub(crate) backend: Option<Backend>,
    pub(crate) guardrails: GuardrailSet,
    pub(crate) tokens_per_second: Option<f64>,
    pub(crate) allow_non_loopback: bool,
    pub(crate) region: String,
    pub(crate) calendar: Calendar,
    pub(crate) pacing: Pacing,
    pub(crate) journal: Journal,
    pub(crate) clock: Clock,
    pub(crate) prefill_per_token: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            credentials: Credentials::random(),
            credentials_file: None,
            bearer_token: None,
            scenarios: None,
            backend: None,
            guardrails: GuardrailSet::builtin(),
            tokens_per_second: None,
            allow_non_loopback: false,
            region: DEFAULT_REGION.to_string(),
            calendar: Calendar {
                date: bedrock_catalog::today(),
                legacy_in_use: true,
            },
            pacing: Pacing::Fast,
            journal: Journal::new(0),
            clock: Clock::system(),
            prefill_per_token: None,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("credentials", &self.credentials)
            .field(
                "credentials_file",
                &self.credentials_file.as_ref().map(KeyFile::path),
            )
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "** redacted **"),
            )
            .field("backend", &self.backend)
            .field("guardrails", &self.guardrails)
            .field("tokens_per_second", &self.tokens_per_second)
            .field("allow_non_loopback", &self.allow_non_loopback)
            .field("region", &self.region)
            .field("calendar", &self.calendar)
            .field("pacing", &self.pacing)
            .field("clock", &self.clock)
            .field("prefill_per_token", &self.prefill_per_token)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults: 127.0.0.1:0, fresh random credentials, no bearer token, built-in scenarios,
    /// as fast as possible, region us-east-1, today's date, Legacy models in use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Address to bind (port 0 picks a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The access key pair SigV4 signatures must be made with.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Also accept the keys listed in the JSON file at `path`, each until its `Expiration`
    /// (after it, 403 `ExpiredTokenException`). The endpoint's own key stays accepted.
    ///
    /// The file is `{"credentials": [...]}`, each entry shaped like what an AWS
    /// `credential_process` prints: `AccessKeyId`, `SecretAccessKey`, optional `SessionToken`
    /// (then requests must carry it as `x-amz-security-token`), optional `Expiration`
    /// (RFC 3339); `Version` is ignored. It is read now, so a mistake is an error naming the
    /// file, entry and field; it is read again whenever its modification time (or length)
    /// changes, and a version that does not parse keeps the previous keys, with a warning.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    /// let path = dir.path().join("keys.json");
    /// std::fs::write(&path, r#"{"credentials": [{"AccessKeyId": "ASIALOCAL0000000001",
    ///     "SecretAccessKey": "s3cr3t", "SessionToken": "t0k3n", "Expiration": "2030-01-01T00:00:00Z"}]}"#)
    ///     .map_err(|e| e.to_string())?;
    /// let config = bedrock_local::Config::new().credentials_file(&path).map_err(|e| e.to_string())?;
    /// assert!(format!("{config:?}").contains("keys.json"));
    /// # Ok::<(), String>(())
    /// ```
    pub fn credentials_file(mut self, path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        self.credentials_file = Some(KeyFile::open(path.as_ref())?);
        Ok(self)
    }

    /// Also accept `Authorization: Bearer <token>` (what `AWS_BEARER_TOKEN_BEDROCK` sends).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// The scenario rules that answer requests (default: [`ScenarioSet::builtin`], or with a
    /// [`backend`](Self::backend) [`ScenarioSet::demos`]).
    pub fn scenarios(mut self, scenarios: ScenarioSet) -> Self {
        self.scenarios = Some(scenarios);
        self
    }

    /// Answers every request that no scenario rule answers from a local model server. Rules
    /// still come first, so scripted faults keep working; unless [`scenarios`](Self::scenarios)
    /// says otherwise, the rules are only the built-in fault demonstrations
    /// ([`ScenarioSet::demos`]), so that the workshop's prompts reach the model.
    ///
    /// ```
    /// use bedrock_local::{Backend, Config};
    /// let config = Config::new().backend(Backend::openai("http://localhost:11434")?);
    /// assert!(format!("{config:?}").contains("http://localhost:11434"));
    /// # Ok::<(), bedrock_local::BackendError>(())
    /// ```
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// The scenario rules in force: those set, else the defaults for this backend.
    pub(crate) fn scenario_rules(&self) -> ScenarioSet {
        match (&self.scenarios, &self.backend) {
            (Some(set), _) => set.clone(),
            (None, Some(_)) => ScenarioSet::demos(),
            (None, None) => ScenarioSet::builtin(),
        }
    }

    /// The guardrails `guardrailConfig` and ApplyGuardrail can name (default:
    /// [`GuardrailSet::builtin`], the `workshop-demo` guardrail). Merge your own first to keep it:
    ///
    /// ```
    /// use bedrock_local::{Config, GuardrailSet};
    /// let mine = GuardrailSet::from_toml_str("mine.toml", r#"
    ///     [[guardrail]]
    ///     id = "no-insults"
    ///     versions = ["DRAFT"]
    ///     blocked_input_message = "Please be kind."
    ///     blocked_output_message = "The answer was unkind."
    ///     content = [{ type = "INSULTS", input_strength = "HIGH", output_strength = "HIGH" }]
    /// "#)?;
    /// let config = Config::new().guardrails(mine.merge(GuardrailSet::builtin()));
    /// assert!(format!("{config:?}").contains("no-insults"));
    /// # Ok::<(), bedrock_local::GuardrailError>(())
    /// ```
    pub fn guardrails(mut self, guardrails: GuardrailSet) -> Self {
        self.guardrails = guardrails;
        self
    }

    /// Streaming pace for answers that set none; `None` streams as fast as possible.
    pub fn tokens_per_second(mut self, tps: Option<f64>) -> Self {
        self.tokens_per_second = tps.filter(|t| t.is_finite() && *t > 0.0);
        self
    }

    /// Allow binding an address other than loopback (the endpoint then serves the network).
    pub fn allow_non_loopback(mut self, yes: bool) -> Self {
        self.allow_non_loopback = yes;
        self
    }

    /// The region reported to callers (signatures may be scoped to any region).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The day the endpoint answers as of: models past their end of life are refused, models
    /// launched later do not exist (default: today).
    ///
    /// ```
    /// let seed_world = bedrock_local::Config::new().date(bedrock_catalog::parse_date("2025-04-15")?);
    /// # Ok::<(), bedrock_catalog::DateError>(())
    /// ```
    pub fn date(mut self, date: Date) -> Self {
        self.calendar.date = date;
        self
    }

    /// Whether the account has used its Legacy models recently (default `true`); with `false`
    /// they answer Bedrock's Legacy refusal, as for an account that never used them.
    pub fn legacy_in_use(mut self, in_use: bool) -> Self {
        self.calendar.legacy_in_use = in_use;
        self
    }

    /// How quickly answers come (default [`Pacing::Fast`]).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// The clock the prompt cache ages its entries by (default [`Clock::system`]). With
    /// [`Clock::manual`] a test expires entries by advancing its clone of the clock, and
    /// `POST /_local/clock` answers (the `--test-clock` flag of the binary).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The time a model takes per input token it processes (not read from the prompt cache),
    /// waited before the first byte and counted in `latencyMs`. Default:
    /// [`DEFAULT_PREFILL_PER_TOKEN`] under [`Pacing::Realistic`], [`FAST_PREFILL_PER_TOKEN`] under
    /// [`Pacing::Fast`] (for requests with a `cachePoint` only: [`Config::prefill_always`]);
    /// a value set here applies under either pace.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = bedrock_local::Config::new().prefill_per_token(Duration::from_micros(200));
    /// assert_eq!(config.prefill(), Duration::from_micros(200));
    /// assert_eq!(bedrock_local::Config::new().prefill(), bedrock_local::FAST_PREFILL_PER_TOKEN);
    /// ```
    pub fn prefill_per_token(mut self, per_token: Duration) -> Self {
        self.prefill_per_token = Some(per_token);
        self
    }

    /// Whether every request waits its prefill: under [`Pacing::Realistic`] or with
    /// [`prefill_per_token`](Self::prefill_per_token) set; otherwise only requests that carry a
    /// `cachePoint`, so that the fast pace shows what a prompt-cache hit saves and nothing else.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert!(!bedrock_local::Config::new().prefill_always());
    /// assert!(bedrock_local::Config::new().prefill_per_token(Duration::from_micros(5)).prefill_always());
    /// ```
    pub fn prefill_always(&self) -> bool {
        self.prefill_per_token.is_some() || self.pacing == Pacing::Realistic
    }

    /// The prefill time per uncached input token that applies with these settings.
    pub fn prefill(&self) -> Duration {
        self.prefill_per_token.unwrap_or(match self.pacing {
            Pacing::Fast => FAST_PREFILL_PER_TOKEN,
            Pacing::Realistic => DEFAULT_PREFILL_PER_TOKEN,
        })
    }

    /// Keep the last `count` requests, byte for byte, for [`LocalEndpoint::received`]
    /// (default 0: none are kept).
    ///
    /// [`LocalEndpoint::received`]: crate::LocalEndpoint::received
    pub fn keep_requests(mut self, count: usize) -> Self {
        self.journal = Journal::new(count);
        self
    }

    /// Applies `BEDROCK_LOCAL_DATE`, `BEDROCK_LOCAL_PACE` and `BEDROCK_LOCAL_MODEL_URL` (with
    /// `BEDROCK_LOCAL_MODEL_MAP` and `BEDROCK_LOCAL_MODEL_API_KEY_ENV`, see [`Backend::from_env`])
    /// when they are set.
    pub fn with_env(self) -> Result<Self, ConfigError> {
        self.with_vars(|name| std::env::var(name).ok())
    }

    /// [`with_env`](Self::with_env) over any source of variables (the unit tests pass a map).
    fn with_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let wrap = |name, error| ConfigError::Env {
            name,
            error: Box::new(error),
        };
        if let Some(text) = var(DATE_ENV).filter(|t| !t.trim().is_empty()) {
            self.calendar.date =
                bedrock_catalog::parse_date(&text).map_err(|e| wrap(DATE_ENV, e.into()))?;
        }
        if let Some(text) = var(PACE_ENV).filter(|t| !t.trim().is_empty()) {
            self.pacing = Pacing::from_name(&text).map_err(|e| wrap(PACE_ENV, e))?;
        }
        if let Some(backend) =
            Backend::from_vars(&var).map_err(|e| wrap(crate::backend::MODEL_URL_ENV, e.into()))?
        {
            self.backend = Some(backend);
        }
        Ok(self)
    }

    /// The model server that answers what no rule does, when there is one.
    pub fn model_backend(&self) -> Option<&Backend> {
        self.backend.as_ref()
    }

    /// The day the endpoint answers as of.
    pub fn answers_as_of(&self) -> Date {
        self.calendar.date
    }

    /// The configured credentials.
    pub fn access_keys(&self) -> &Credentials {
        &self.credentials
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests state expectations
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_environment_sets_the_date_and_the_pace_and_blank_values_change_nothing() {
        let config = Config::default()
            .with_vars(vars(&[(DATE_ENV, "2025-04-15"), (PACE_ENV, "realistic")]))
            .unwrap();
        assert_eq!(config.answers_as_of().to_string(), "2025-04-15");
        assert_eq!(config.pacing, Pacing::Realistic);
        let unchanged = Config::default()
            .with_vars(vars(&[(DATE_ENV, " "), (PACE_ENV, "")]))
            .unwrap();
        assert_eq!(unchanged.answers_as_of(), bedrock_catalog::today());
        assert_eq!(unchanged.pacing, Pacing::Fast);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let date = Config::default()
            .with_vars(vars(&[(DATE_ENV, "15/04/2025")]))
            .unwrap_err();
        assert_eq!(
            date.to_string(),
            "BEDROCK_LOCAL_DATE: \"15/04/2025\" is not a date: write it as YYYY-MM-DD, for example 2025-04-15"
        );
        let pace = Config::default()
            .with_vars(vars(&[(PACE_ENV, "slow")]))
            .unwrap_err();
        assert_eq!(
            pace.to_string(),
            "BEDROCK_LOCAL_PACE: unknown pace \"slow\": use fast or realistic"
        );
    }
}
