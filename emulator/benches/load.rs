//! Load generator for the local endpoint (and, side by side, moto's server).
//!
//! ```text
//! cargo build --release -p bedrock-local
//! cargo bench -p bedrock-local --bench load                      # bedrock-local only
//! cargo bench -p bedrock-local --bench load -- --moto PYTHON     # plus moto, PYTHON from a venv with moto[server]
//! ```
//! Starts `target/release/bedrock-local serve` as a child process (stderr, its per-request log,
//! goes to /dev/null), then measures, with SigV4 signing done for every request by this process
//! on the same machine:
//! 1. closed-loop Converse throughput over 64 keep-alive connections;
//! 2. Converse latency at a fixed 1,000 requests/s (open loop, measured from each request's
//!    scheduled start, so queueing counts);
//! 3. time to the first ConverseStream event, one stream at a time;
//! 4. the server's RSS with 1,000 ConverseStream streams open at once;
//! 5. InvokeModel throughput, the one operation moto's server answers, on both servers.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// One connection's task: its latency samples.
type Task = tokio::task::JoinHandle<Result<Vec<Duration>, BoxError>>;

const CONNECTIONS: usize = 64;
const RUN: Duration = Duration::from_secs(10);
const CONVERSE_BODY: &str = r#"{"messages":[{"role":"user","content":[{"text":"Say hello to the benchmark."}]}],"inferenceConfig":{"maxTokens":64}}"#;
const NOVA_BODY: &str = r#"{"schemaVersion":"messages-v1","messages":[{"role":"user","content":[{"text":"Say hello to the benchmark."}]}],"inferenceConfig":{"maxTokens":64}}"#;
const MODEL: &str = "amazon.nova-micro-v1:0";

/// Where to send requests and how to sign them.
#[derive(Clone)]
struct Target {
    host: String,
    identity: Identity,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("load: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let moto = args
        .iter()
        .position(|a| a == "--moto")
        .and_then(|i| args.get(i + 1).cloned());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = Server::spawn_local(None)?;
        println!("bedrock-local on {}", server.target.host);
        let r = closed_loop(&server.target, "converse", CONVERSE_BODY).await?;
        println!("converse closed loop, {CONNECTIONS} connections: {r}");
        let r = open_loop(&server.target, 1000.0).await?;
        println!("converse at 1000 req/s: {r}");
        let r = first_event(&server.target, 200).await?;
        println!("converse-stream first event, 200 sequential streams: {r}");
        let local_invoke = closed_loop(&server.target, "invoke", NOVA_BODY).await?;
        println!("invoke closed loop, {CONNECTIONS} connections: {local_invoke}");
        drop(server);

        // Slow pace so every stream stays open while the RSS is read.
        let server = Server::spawn_local(Some(2.0))?;
        let (before, during) = open_streams(&server, 1000).await?;
        println!(
            "1000 open converse streams: server RSS {:.1} MB idle, {:.1} MB with the streams open",
            before as f64 / 1024.0,
            during as f64 / 1024.0
        );
        drop(server);

        if let Some(python) = moto {
            let server = Server::spawn_moto(&python)?;
            let r = closed_loop(&server.target, "invoke", NOVA_BODY).await?;
            println!("moto invoke closed loop, {CONNECTIONS} connections: {r}");
            println!(
                "ratio bedrock-local / moto (InvokeModel req/s): {:.1}x",
                local_invoke.rate / r.rate.max(f64::MIN_POSITIVE)
            );
        }
        Ok(())
    })
}

/// A server child process, killed on drop.
struct Server {
    child: Child,
    target: Target,
}

impl Server {
    fn spawn_local(tokens_per_second: Option<f64>) -> Result<Server, BoxError> {
        let exe = std::env::var("BEDROCK_LOCAL_BIN").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/release/bedrock-local"
            )
            .into()
        });
        let mut cmd = Command::new(&exe);
        cmd.args(["serve", "--addr", "127.0.0.1:0"]);
        if let Some(tps) = tokens_per_second {
            cmd.args(["--tokens-per-second", &tps.to_string()]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {exe} (run `cargo build --release -p bedrock-local` first): {e}"
                )
            })?;
        let stdout = child.stdout.take().ok_or("no stdout from the server")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let field = |name: &str| -> Result<String, BoxError> {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .map(str::to_owned)
                .ok_or_else(|| format!("no {name} in the ready line: {line}").into())
        };
        let url = field("AWS_ENDPOINT_URL_BEDROCK_RUNTIME=")?;
        let identity = Credentials::new(
            field("AWS_ACCESS_KEY_ID=")?,
            field("AWS_SECRET_ACCESS_KEY=")?,
            None,
            None,
            "bench",
        )
        .into();
        let host = url.trim_start_matches("http://").to_owned();
        Ok(Server {
            child,
            target: Target { host, identity },
        })
    }

    fn spawn_moto(python: &str) -> Result<Server, BoxError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(python)
            .args(["-m", "moto.server", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let host = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&host).is_err() {
            if Instant::now() > deadline {
                return Err("moto did not start within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let identity = Credentials::new("AKIDBENCH", "bench-secret", None, None, "bench").into();
        Ok(Server {
            child,
            target: Target { host, identity },
        })
    }

    fn rss_kb(&self) -> Result<u64, BoxError> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| "no VmRSS in /proc status".into())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Request rate and latency percentiles of one run.
struct Stats {
    rate: f64,
    count: usize,
    errors: u64,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Stats {
    fn from(mut samples: Vec<Duration>, elapsed: Duration, errors: u64) -> Stats {
        samples.sort_unstable();
        let pick = |q: f64| {
            samples
                .get(((samples.len() as f64 * q) as usize).min(samples.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Stats {
            rate: samples.len() as f64 / elapsed.as_secs_f64(),
            count: samples.len(),
            errors,
            p50: pick(0.50),
            p99: pick(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0} req/s ({} ok, {} errors), p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.rate,
            self.count,
            self.errors,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3
        )
    }
}

async fn connect(target: &Target) -> Result<SendRequest<Full<Bytes>>, BoxError> {
    let stream = tokio::net::TcpStream::connect(&target.host).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// A signed POST, as an SDK would send it.
fn signed(
    target: &Target,
    op: &str,
    body: &'static str,
) -> Result<http::Request<Full<Bytes>>, BoxError> {
    let uri = format!(
        "http://{}/model/{}/{op}",
        target.host,
        MODEL.replace(':', "%3A")
    );
    let headers = [
        ("host", target.host.as_str()),
        ("content-type", "application/json"),
    ];
    let params = v4::SigningParams::builder()
        .identity(&target.identity)
        .region("us-east-1")
        .name("bedrock")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()?
        .into();
    let signable = SignableRequest::new(
        "POST",
        &uri,
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )?;
    let (instructions, _) = sign(signable, &params)?.into_parts();
    let mut request = http::Request::post(&uri)
        .header("host", &target.host)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))?;
    instructions.apply_to_request_http1x(&mut request);
    Ok(request)
}

/// Sends one request and reads the whole answer; `Ok(false)` for a non-200 answer.
async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    target: &Target,
    op: &str,
    body: &'static str,
) -> Result<bool, BoxError> {
    // moto's server closes the connection after each answer: open a new one, as a client would.
    if sender.ready().await.is_err() {
        *sender = connect(target).await?;
        sender.ready().await?;
    }
    let response = sender.send_request(signed(target, op, body)?).await?;
    let ok = response.status().is_success();
    response.into_body().collect().await?;
    Ok(ok)
}

async fn closed_loop(
    target: &Target,
    op: &'static str,
    body: &'static str,
) -> Result<Stats, BoxError> {
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    let start = Instant::now();
    for _ in 0..CONNECTIONS {
        let (target, stop, errors) = (target.clone(), stop.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut sender = connect(&target).await?;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                if exchange(&mut sender, &target, op, body).await? {
                    samples.push(t.elapsed());
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, BoxError>(samples)
        }));
    }
    tokio::time::sleep(RUN).await;
    stop.store(true, Ordering::Relaxed);
    Ok(Stats::from(
        gather(tasks).await?,
        start.elapsed(),
        errors.load(Ordering::Relaxed),
    ))
}

/// Waits for every connection's task and pools their latency samples.
async fn gather(tasks: Vec<Task>) -> Result<Vec<Duration>, BoxError> {
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}

async fn open_loop(target: &Target, rate: f64) -> Result<Stats, BoxError> {
    let total = (rate * RUN.as_secs_f64()) as u64;
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = tokio::time::Instant::now() + Duration::from_millis(200);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (target, next, errors) = (target.clone(), next.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut sender = connect(&target).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let due = start + Duration::from_secs_f64(i as f64 / rate);
                // Latency counts from the scheduled start when this connection is behind
                // (queueing is the server's), but from the wake-up when the timer, whose
                // granularity is 1 ms, woke us late (that delay is the generator's).
                let from = if due > tokio::time::Instant::now() {
                    tokio::time::sleep_until(due).await;
                    tokio::time::Instant::now()
                } else {
                    due
                };
                if exchange(&mut sender, &target, "converse", CONVERSE_BODY).await? {
                    samples.push(from.elapsed());
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, BoxError>(samples)
        }));
    }
    Ok(Stats::from(
        gather(tasks).await?,
        start.elapsed(),
        errors.load(Ordering::Relaxed),
    ))
}

/// Time from sending a ConverseStream request to the first bytes of its first event.
async fn first_event(target: &Target, n: usize) -> Result<Stats, BoxError> {
    let mut sender = connect(target).await?;
    let mut samples = Vec::with_capacity(n);
    let mut errors = 0;
    let start = Instant::now();
    for _ in 0..n {
        sender.ready().await?;
        let t = Instant::now();
        let response = sender
            .send_request(signed(target, "converse-stream", CONVERSE_BODY)?)
            .await?;
        if !response.status().is_success() {
            errors += 1;
        }
        let mut body = response.into_body();
        if let Some(frame) = body.frame().await {
            frame?;
            samples.push(t.elapsed());
        }
        body.collect().await?;
    }
    Ok(Stats::from(samples, start.elapsed(), errors))
}

/// Opens `n` slow streams at once; returns the server's RSS (kB) before and once every stream
/// has delivered its first event.
async fn open_streams(server: &Server, n: usize) -> Result<(u64, u64), BoxError> {
    let before = server.rss_kb()?;
    let opened = Arc::new(AtomicU64::new(0));
    let release = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (target, opened, release) = (server.target.clone(), opened.clone(), release.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(&target).await?;
            sender.ready().await?;
            let response = sender
                .send_request(signed(&target, "converse-stream", CONVERSE_BODY)?)
                .await?;
            let mut body = response.into_body();
            if let Some(frame) = body.frame().await {
                frame?;
            }
            opened.fetch_add(1, Ordering::Relaxed);
            release.notified().await;
            Ok::<_, BoxError>(())
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while opened.load(Ordering::Relaxed) < n as u64 {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {n} streams opened",
                opened.load(Ordering::Relaxed)
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let during = server.rss_kb()?;
    release.notify_waiters();
    for task in tasks {
        task.abort();
    }
    Ok((before, during))
}
