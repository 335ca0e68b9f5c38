//! Recording real exchanges for offline replay: `bedrock-local record`.
//!
//! A [`Recorder`] is a local endpoint that any SDK talks to exactly as to `serve` (its own keys,
//! the same signature check), which re-signs each request for an [`Upstream`] (Amazon Bedrock
//! with the standard AWS credential chain, or any endpoint by URL) and forwards it: every
//! operation, streams passed on frame by frame as they arrive. Each finished exchange becomes a
//! scenario rule in a TOML file (see `scenarios/README.md`, "Recordings"), written before its
//! last byte reaches the caller; no credential, signature or token is ever part of it.
//! `serve --scenarios FILE` replays it: the same conversation (see [`conversation_digest`]) gets
//! the same body or the same event sequence at the recorded pace, and any other request an
//! honest answer naming the nearest recorded prompt.
//!
//! ```no_run
//! use bedrock_local::record::{RecordConfig, Recorder, Upstream};
//! let recorder = Recorder::start(RecordConfig::new(Upstream::Aws, "recording.toml"))?;
//! println!("point an SDK at {} signed by {}", recorder.endpoint_url(), recorder.credentials());
//! recorder.stop();
//! # Ok::<(), bedrock_local::record::RecordError>(())
//! ```

pub(crate) mod digest;
mod exchange;
mod file;
mod proxy;
mod upstream;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use digest::{DIGEST_PREFIX, conversation_digest};
pub use upstream::Upstream;

use crate::auth::Authenticator;
use crate::background::{Background, Serving};
use crate::config::{Config, Credentials};
use file::RecordingFile;
use proxy::Proxy;
use upstream::UpstreamClient;

/// Why a recorder could not start.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The upstream is not usable: a bad URL, no region, no credentials.
    #[error("bedrock-local record: {0}")]
    Upstream(String),
    /// The recording file cannot be used.
    #[error("bedrock-local record: recording file {}: {message}", path.display())]
    File {
        /// The `--out` path.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// Binding or running the local side failed.
    #[error(transparent)]
    Local(#[from] crate::server::Error),
}

/// How to record: the upstream, the file, and the local side (address and keys).
#[derive(Clone)]
pub struct RecordConfig {
    upstream: Upstream,
    out: PathBuf,
    local: Config,
    upstream_credentials: Option<aws_credential_types::Credentials>,
    upstream_region: Option<String>,
    ca_bundle: Option<PathBuf>,
}

impl std::fmt::Debug for RecordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordConfig")
            .field("upstream", &self.upstream)
            .field("out", &self.out)
            .field("upstream_region", &self.upstream_region)
            .field("ca_bundle", &self.ca_bundle)
            .finish_non_exhaustive()
    }
}

impl RecordConfig {
    /// Record what `upstream` answers into `out` (a `.toml` file; continued when it exists),
    /// listening on a free loopback port with fresh local keys, signing upstream with the AWS
    /// credential chain.
    pub fn new(upstream: Upstream, out: impl Into<PathBuf>) -> Self {
        RecordConfig {
            upstream,
            out: out.into(),
            local: Config::default(),
            upstream_credentials: None,
            upstream_region: None,
            ca_bundle: None,
        }
    }

    /// The local address (default `127.0.0.1:0`); a non-loopback one needs
    /// [`RecordConfig::allow_non_loopback`].
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.local = self.local.addr(addr);
        self
    }

    /// Allow a non-loopback local address.
    pub fn allow_non_loopback(mut self, yes: bool) -> Self {
        self.local = self.local.allow_non_loopback(yes);
        self
    }

    /// Fixed local keys instead of random ones (what callers sign with).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.local = self.local.credentials(credentials);
        self
    }

    /// Sign upstream requests with these credentials instead of the AWS chain (tests; a caller
    /// with its own credential source).
    pub fn upstream_credentials(mut self, credentials: aws_credential_types::Credentials) -> Self {
        self.upstream_credentials = Some(credentials);
        self
    }

    /// The region upstream requests are signed for (and, for [`Upstream::Aws`], whose endpoint
    /// answers); default: the AWS configuration's region, for a URL `us-east-1` without one.
    pub fn upstream_region(mut self, region: impl Into<String>) -> Self {
        self.upstream_region = Some(region.into());
        self
    }

    /// Trust the PEM certificates in `path` for an `https://` upstream, besides the system's roots
    /// (a company's TLS inspection proxy); `bedrock-local record` takes it from `AWS_CA_BUNDLE`.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// The recording file.
    pub fn out(&self) -> &Path {
        &self.out
    }
}

/// A running recorder; stops when [`Recorder::stop`] is called or it is dropped. Every exchange
/// finished before is in the file, whichever way it stops.
pub struct Recorder {
    addr: SocketAddr,
    credentials: Credentials,
    upstream: String,
    region: String,
    out: PathBuf,
    server: Background,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("addr", &self.addr)
            .field("upstream", &self.upstream)
            .field("out", &self.out)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Resolves the upstream (credentials are asked for once now, so a missing login stops here),
    /// opens the file, binds, and returns once it listens. Blocking; runs on its own thread and
    /// runtime like [`crate::start`].
    pub fn start(config: RecordConfig) -> Result<Recorder, RecordError> {
        crate::server::check_address(&config.local)?;
        let listener = crate::server::bind(config.local.addr)?;
        let addr = listener.local_addr().map_err(crate::server::Error::Io)?;
        let credentials = config.local.credentials.clone();
        let out = config.out.clone();
        let (server, (upstream, region)) = Background::start(
            format!("bedrock-local record {addr}"),
            "bedrock-local-record",
            listener,
            move || serving(config),
        )?;
        Ok(Recorder {
            addr,
            credentials,
            upstream,
            region,
            out,
            server,
        })
    }

    /// The bound local address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, ready for an SDK's `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The local keys callers sign with (they grant nothing upstream).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The upstream's base URL (`https://bedrock-runtime.us-east-1.amazonaws.com`).
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// The region upstream requests are signed for; callers may use it too.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The recording file.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Stop accepting, let open requests finish (up to 2 s), and wait for the thread.
    pub fn stop(mut self) {
        self.server.stop();
    }
}

/// The recorder's set-up, on its own runtime: resolve the upstream, open the file; then the proxy
/// is served, and the upstream's base URL and region go back to the caller.
async fn serving(config: RecordConfig) -> Result<Serving<(String, String)>, RecordError> {
    let upstream = UpstreamClient::resolve(
        &config.upstream,
        config.upstream_credentials.clone(),
        config.upstream_region.clone(),
        config.ca_bundle.as_deref(),
    )
    .await?;
    let file = RecordingFile::open(&config.out, &header(&upstream.base))?;
    let local = &config.local;
    let auth = Authenticator::new(
        local.credentials.clone(),
        local.bearer_token.clone(),
        local.credentials_file.clone(),
    );
    let ready = (upstream.base.clone(), upstream.region.clone());
    Ok(Serving {
        router: Proxy::new(auth, upstream, file, local.calendar).router(),
        ready,
        counters: None,
    })
}

/// The comment lines a new recording starts with.
fn header(upstream: &str) -> String {
    // The day is read back by `./workshop --replay` (as the replaying endpoint's `--date`), so
    // that models keep the lifecycle state they had when the class was recorded.
    format!(
        "# Recorded on {} by `bedrock-local record` from {upstream}.\n\
         # One rule per exchange, written as each finished. Replay it offline with\n\
         # `bedrock-local serve --scenarios THIS_FILE`. A rule answers\n\
         # only its exact conversation (`match.conversation`); `body`/`events` are what replay sends,\n\
         # the other reply fields are there to read (delete `body`/`events` to answer from them).\n\
         # Format: emulator/scenarios/README.md, \"Recordings\".\n\n",
        bedrock_catalog::today()
    )
}
