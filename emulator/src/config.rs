//! Settings of a local endpoint: address, credentials, bearer token, scenarios, pace.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

use rand::Rng;
use rand::distr::Alphanumeric;

use crate::scenario::ScenarioSet;

/// The region the endpoint reports and the SDKs sign for.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Largest request body accepted: Bedrock's own limit for a Converse request with inline
/// documents and images is in this range, and it bounds the memory one request can take.
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

/// How far `x-amz-date` may be from the endpoint's clock.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;

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
    pub(crate) bearer_token: Option<String>,
    pub(crate) scenarios: ScenarioSet,
    pub(crate) tokens_per_second: Option<f64>,
    pub(crate) allow_non_loopback: bool,
    pub(crate) region: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            credentials: Credentials::random(),
            bearer_token: None,
            scenarios: ScenarioSet::builtin(),
            tokens_per_second: None,
            allow_non_loopback: false,
            region: DEFAULT_REGION.to_string(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("credentials", &self.credentials)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "** redacted **"),
            )
            .field("tokens_per_second", &self.tokens_per_second)
            .field("allow_non_loopback", &self.allow_non_loopback)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults: 127.0.0.1:0, fresh random credentials, no bearer token, built-in scenarios,
    /// as fast as possible, region us-east-1.
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

    /// Also accept `Authorization: Bearer <token>` (what `AWS_BEARER_TOKEN_BEDROCK` sends).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// The scenario rules that answer requests.
    pub fn scenarios(mut self, scenarios: ScenarioSet) -> Self {
        self.scenarios = scenarios;
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

    /// The configured bind address.
    pub fn bind_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configured credentials.
    pub fn access_keys(&self) -> &Credentials {
        &self.credentials
    }
}
