//! `bedrock-local`: a local Amazon Bedrock Runtime endpoint.
//!
//! ```text
//! cargo run --bin bedrock-local -- serve [--addr 127.0.0.1:0] [--scenarios FILE]... [--guardrails FILE]...
//!     [--tokens-per-second N] [--bearer-token T] [--access-key-id ID --secret-access-key KEY]
//!     [--credentials-file FILE] [--allow-non-loopback] [--date YYYY-MM-DD] [--legacy-unused]
//!     [--pace fast|realistic] [--prefill-per-token-us N] [--test-clock]
//!     [--backend openai --base-url URL [--api-key-env VAR] [--model-map FILE]]
//! ```
//! `--backend openai --base-url URL` answers what no scenario rule answers from an
//! OpenAI-compatible model server (Ollama: `http://localhost:11434`); `--model-map FILE` says
//! which local model stands in for which Bedrock model (default: every one to `llama3.2`), and
//! `--api-key-env VAR` names the variable with the server's API key. The built-in scenarios are
//! then only the fault demonstrations. `BEDROCK_LOCAL_MODEL_URL` (with `BEDROCK_LOCAL_MODEL_MAP`
//! and `BEDROCK_LOCAL_MODEL_API_KEY_ENV`) does the same without flags.
//! `--guardrails FILE` adds guardrail definitions (TOML or JSON) to the built-in `workshop-demo`.
//! `--credentials-file` also accepts the keys a JSON file lists (`credential_process` entries,
//! each until its `Expiration`), re-read when it changes.
//! `--date` (or `BEDROCK_LOCAL_DATE`) sets the day the endpoint answers as of (default: today):
//! models past their end of life are refused, models launched later do not exist.
//! `--legacy-unused` answers Legacy models as Bedrock does for an account that has not used them.
//! `--pace realistic` (or `BEDROCK_LOCAL_PACE`) paces each model by its measured speed.
//! `--prefill-per-token-us N` waits N microseconds per input token not read from the prompt cache
//! (default 100 with `--pace realistic`; 20 otherwise, for requests with a `cachePoint` only). `--test-clock` ages prompt-cache entries by
//! a manual clock that `POST /_local/clock {"advance_seconds": N}` moves forward.
//! Prints one ready line with the address and the environment variables that point any AWS SDK
//! here; stops cleanly on Ctrl-C or SIGTERM.
//!
//! ```text
//! cargo run --bin bedrock-local -- record --upstream aws|URL --out FILE.toml [--addr 127.0.0.1:0]
//!     [--region R] [--access-key-id ID --secret-access-key KEY] [--allow-non-loopback]
//! ```
//! `record` is a proxy SDKs talk to as to `serve` (the same ready line and signature check): it
//! re-signs each request with the AWS credential chain for the upstream (`aws`: the regional
//! Bedrock endpoint of the configured region, or `--region`) and writes every exchange as a
//! scenario rule to FILE; `serve --scenarios FILE` replays them. `AWS_CA_BUNDLE` (a PEM file, as
//! the AWS CLI reads it) adds trusted certificates for an `https://` upstream or model server.
//! Arguments are parsed by hand (a dozen flags do not
//! need a parser dependency).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use std::time::Duration;

use bedrock_local::record::{RecordConfig, Recorder, Upstream};
use bedrock_local::{
    Backend, Clock, Config, Credentials, GuardrailSet, ModelMap, Pacing, ScenarioSet,
};

const USAGE: &str = "usage: bedrock-local serve [--addr 127.0.0.1:0] [--scenarios FILE]... [--guardrails FILE]... \
[--tokens-per-second N] [--bearer-token T] [--access-key-id ID --secret-access-key KEY] [--credentials-file FILE] \
[--allow-non-loopback] [--date YYYY-MM-DD] [--legacy-unused] [--pace fast|realistic] \
[--prefill-per-token-us N] [--test-clock] [--backend openai --base-url URL [--api-key-env VAR] [--model-map FILE]]
       bedrock-local record --upstream aws|URL --out FILE.toml [--addr 127.0.0.1:0] [--region R] \
[--access-key-id ID --secret-access-key KEY] [--allow-non-loopback]";

const RECORD_USAGE: &str = "usage: bedrock-local record --upstream aws|URL --out FILE.toml [--addr 127.0.0.1:0] \
[--region R] [--access-key-id ID --secret-access-key KEY] [--allow-non-loopback]";

struct Args {
    addr: SocketAddr,
    scenarios: Vec<PathBuf>,
    guardrails: Vec<PathBuf>,
    tokens_per_second: Option<f64>,
    bearer_token: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    credentials_file: Option<PathBuf>,
    allow_non_loopback: bool,
    date: Option<bedrock_catalog::Date>,
    legacy_unused: bool,
    pacing: Option<Pacing>,
    prefill_per_token: Option<Duration>,
    test_clock: bool,
    backend: Option<String>,
    base_url: Option<String>,
    api_key_env: Option<String>,
    model_map: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bedrock-local: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("record") {
        args.next();
        return record(parse_record_args(args)?);
    }
    let args = parse_args(args)?;
    let config = build_config(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        if !args.addr.ip().is_loopback() && !args.allow_non_loopback {
            return Err(bedrock_local::Error::NonLoopback(args.addr).to_string());
        }
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the bound address: {e}"))?;
        let keys = config.access_keys();
        // The one ready line. The keys are this local endpoint's own, printed on purpose so they
        // can be pasted into another shell; they grant nothing anywhere else. boto3 reads the region
        // from AWS_DEFAULT_REGION, the Rust SDK and the CLI from AWS_REGION: both are given.
        let answering = match config.model_backend() {
            Some(backend) => format!(
                "answering as of {date}, from the model server at {url}",
                date = config.answers_as_of(),
                url = backend.url()
            ),
            None => format!("answering as of {}", config.answers_as_of()),
        };
        println!(
            "bedrock-local listening on http://{addr} ({answering}) — AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://{addr} AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION={region} AWS_DEFAULT_REGION={region}",
            keys.access_key_id,
            keys.secret_access_key,
            region = bedrock_local::DEFAULT_REGION,
        );
        bedrock_local::serve(listener, config)
            .await
            .map_err(|e| e.to_string())
    })
}

/// `record`'s flags as a recorder configuration.
fn parse_record_args(mut args: impl Iterator<Item = String>) -> Result<RecordConfig, String> {
    let mut upstream = None;
    let mut out = None;
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut region = None;
    let (mut key_id, mut secret) = (None, None);
    let mut allow_non_loopback = false;
    while let Some(flag) = args.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.clone(), None),
        };
        if name == "--allow-non-loopback" {
            allow_non_loopback = true;
            continue;
        }
        if matches!(name.as_str(), "--help" | "-h") {
            return Err(RECORD_USAGE.into());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value; {RECORD_USAGE}"))
        };
        match name.as_str() {
            "--upstream" => upstream = Some(Upstream::parse(&value()?).map_err(|e| e.to_string())?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--addr" => {
                let v = value()?;
                addr = v
                    .parse()
                    .map_err(|_| format!("--addr {v:?} is not an address like 127.0.0.1:8080"))?;
            }
            "--region" => region = Some(value()?),
            "--access-key-id" => key_id = Some(value()?),
            "--secret-access-key" => secret = Some(value()?),
            _ => return Err(format!("unknown option {name:?}; {RECORD_USAGE}")),
        }
    }
    let upstream = upstream.ok_or_else(|| format!("--upstream is required; {RECORD_USAGE}"))?;
    let out = out.ok_or_else(|| format!("--out is required; {RECORD_USAGE}"))?;
    let mut config = RecordConfig::new(upstream, out)
        .addr(addr)
        .allow_non_loopback(allow_non_loopback);
    match (key_id, secret) {
        (Some(id), Some(secret)) => config = config.credentials(Credentials::new(id, secret)),
        (None, None) => {}
        _ => return Err("--access-key-id and --secret-access-key go together".into()),
    }
    if let Some(region) = region {
        config = config.upstream_region(region);
    }
    if let Some(path) = bedrock_local::ca_bundle_from_env() {
        config = config.ca_bundle(path);
    }
    Ok(config)
}

/// Runs the recorder until Ctrl-C or SIGTERM.
fn record(config: RecordConfig) -> Result<(), String> {
    let out = config.out().to_path_buf();
    let recorder = Recorder::start(config).map_err(|e| e.to_string())?;
    let keys = recorder.credentials();
    // The same ready line as `serve`: the keys are this recorder's own (they grant nothing
    // upstream), the region is the upstream's.
    println!(
        "bedrock-local listening on http://{addr} (recording {upstream} to {out}) — AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://{addr} AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION={region} AWS_DEFAULT_REGION={region}",
        keys.access_key_id,
        keys.secret_access_key,
        addr = recorder.addr(),
        upstream = recorder.upstream(),
        out = out.display(),
        region = recorder.region(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(bedrock_local::shutdown_signal());
    recorder.stop();
    Ok(())
}

fn build_config(args: &Args) -> Result<Config, String> {
    let mut scenarios = ScenarioSet::empty();
    for path in &args.scenarios {
        let set = ScenarioSet::from_file(path).map_err(|e| e.to_string())?;
        scenarios = scenarios.merge(set);
    }
    let mut guardrails = GuardrailSet::empty();
    for path in &args.guardrails {
        let set = GuardrailSet::from_file(path).map_err(|e| e.to_string())?;
        guardrails = guardrails.merge(set);
    }
    let guardrails = guardrails.merge(GuardrailSet::builtin());
    // Flags win over the environment, which wins over the defaults.
    let mut config = Config::default().with_env().map_err(|e| e.to_string())?;
    if let Some(date) = args.date {
        config = config.date(date);
    }
    if let Some(pacing) = args.pacing {
        config = config.pacing(pacing);
    }
    if let Some(per_token) = args.prefill_per_token {
        config = config.prefill_per_token(per_token);
    }
    if args.test_clock {
        config = config.clock(Clock::manual());
    }
    if let Some(backend) = model_backend(args)? {
        config = config.backend(backend);
    }
    // With a model backend (a flag's or the environment's), the built-in scripted answers give
    // way to the model; their fault demonstrations stay.
    let scenarios = scenarios.merge(if config.model_backend().is_some() {
        ScenarioSet::demos()
    } else {
        ScenarioSet::builtin()
    });
    let mut config = config
        .legacy_in_use(!args.legacy_unused)
        .addr(args.addr)
        .scenarios(scenarios)
        .guardrails(guardrails)
        .tokens_per_second(args.tokens_per_second)
        .allow_non_loopback(args.allow_non_loopback);
    match (&args.access_key_id, &args.secret_access_key) {
        (Some(id), Some(secret)) => config = config.credentials(Credentials::new(id, secret)),
        (None, None) => {}
        _ => return Err("--access-key-id and --secret-access-key go together".into()),
    }
    if let Some(path) = &args.credentials_file {
        config = config.credentials_file(path).map_err(|e| e.to_string())?;
    }
    if let Some(token) = &args.bearer_token {
        config = config.bearer_token(token);
    }
    Ok(config)
}

/// The backend `--backend`, `--base-url`, `--api-key-env` and `--model-map` ask for; `None`
/// without them (the environment may still name one).
fn model_backend(args: &Args) -> Result<Option<Backend>, String> {
    let given = args.backend.is_some()
        || args.base_url.is_some()
        || args.api_key_env.is_some()
        || args.model_map.is_some();
    if !given {
        return Ok(None);
    }
    let kind = args.backend.as_deref().unwrap_or("openai");
    let url = args.base_url.as_deref().ok_or_else(|| {
        format!("--backend {kind} needs --base-url URL (Ollama: http://localhost:11434)")
    })?;
    let mut backend = Backend::of_kind(kind, url).map_err(|e| format!("--backend: {e}"))?;
    if let Some(var) = &args.api_key_env {
        backend = backend
            .api_key_from_env(var)
            .map_err(|e| format!("--api-key-env: {e}"))?;
    }
    if let Some(path) = &args.model_map {
        backend =
            backend.model_map(ModelMap::from_file(path).map_err(|e| format!("--model-map: {e}"))?);
    }
    if let Some(path) = bedrock_local::ca_bundle_from_env() {
        backend = backend.ca_bundle(path);
    }
    Ok(Some(backend))
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    match args.next().as_deref() {
        Some("serve") => {}
        Some("--help" | "-h" | "help") | None => return Err(USAGE.into()),
        Some(other) => return Err(format!("unknown command {other:?}; {USAGE}")),
    }
    let mut parsed = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        scenarios: Vec::new(),
        guardrails: Vec::new(),
        tokens_per_second: None,
        bearer_token: None,
        access_key_id: None,
        secret_access_key: None,
        credentials_file: None,
        allow_non_loopback: false,
        date: None,
        legacy_unused: false,
        pacing: None,
        prefill_per_token: None,
        test_clock: false,
        backend: None,
        base_url: None,
        api_key_env: None,
        model_map: None,
    };
    while let Some(flag) = args.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.clone(), None),
        };
        if name == "--allow-non-loopback" {
            parsed.allow_non_loopback = true;
            continue;
        }
        if name == "--legacy-unused" {
            parsed.legacy_unused = true;
            continue;
        }
        if name == "--test-clock" {
            parsed.test_clock = true;
            continue;
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value; {USAGE}"))
        };
        match name.as_str() {
            "--addr" => {
                let v = value()?;
                parsed.addr = v
                    .parse()
                    .map_err(|_| format!("--addr {v:?} is not an address like 127.0.0.1:8080"))?;
            }
            "--scenarios" => parsed.scenarios.push(PathBuf::from(value()?)),
            "--guardrails" => parsed.guardrails.push(PathBuf::from(value()?)),
            "--tokens-per-second" => {
                let v = value()?;
                let tps: f64 = v
                    .parse()
                    .map_err(|_| format!("--tokens-per-second {v:?} is not a number"))?;
                if !(tps.is_finite() && tps > 0.0) {
                    return Err(format!("--tokens-per-second must be above 0, got {v}"));
                }
                parsed.tokens_per_second = Some(tps);
            }
            "--date" => {
                let v = value()?;
                parsed.date =
                    Some(bedrock_catalog::parse_date(&v).map_err(|e| format!("--date: {e}"))?);
            }
            "--pace" => {
                let v = value()?;
                parsed.pacing = Some(Pacing::from_name(&v).map_err(|e| format!("--pace: {e}"))?);
            }
            "--prefill-per-token-us" => {
                let v = value()?;
                let micros: f64 = v
                    .parse()
                    .map_err(|_| format!("--prefill-per-token-us {v:?} is not a number"))?;
                let per_token = Duration::try_from_secs_f64(micros / 1e6).map_err(|_| {
                    format!("--prefill-per-token-us must be 0 or more microseconds, got {v}")
                })?;
                parsed.prefill_per_token = Some(per_token);
            }
            "--bearer-token" => parsed.bearer_token = Some(value()?),
            "--access-key-id" => parsed.access_key_id = Some(value()?),
            "--secret-access-key" => parsed.secret_access_key = Some(value()?),
            "--credentials-file" => parsed.credentials_file = Some(PathBuf::from(value()?)),
            "--backend" => parsed.backend = Some(value()?),
            "--base-url" => parsed.base_url = Some(value()?),
            "--api-key-env" => parsed.api_key_env = Some(value()?),
            "--model-map" => parsed.model_map = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown option {name:?}; {USAGE}")),
        }
    }
    Ok(parsed)
}
