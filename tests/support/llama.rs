//! A real OpenAI-compatible model server for the tests: llama-cpp-python's server (built from
//! source by pip into `target/llama-venv`, from `tests/llama/requirements.txt`), serving a tiny
//! llama model with random weights that `tests/llama/make_tiny_model.py` writes. Its words are
//! nonsense; the server, its protocol, streaming, tool-call grammar and failures are real.
//!
//! `BEDROCK_TEST_OPENAI_URL` (with `BEDROCK_TEST_OPENAI_MODEL`, default `llama3.2`) points the
//! tests at a server of your own instead (Ollama, vLLM, ...); the test that stops the server
//! mid-stream then runs only against servers it started itself.

// Several test binaries include this file, each using a part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::python::{TestError, run, target_dir, venv_python};

/// The name the test server serves its model under.
pub const TINY_MODEL: &str = "tiny-llama";

/// The server's packages, pinned.
const REQUIREMENTS: &str = include_str!("../llama/requirements.txt");

/// How pip builds llama.cpp (`KEY=VALUE` lines; `./workshop test` reads the same file).
const BUILD_ENV: &str = include_str!("../llama/build.env");

/// How long a starting server may take to answer `GET /v1/models`.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A model server: its URL and the model name to ask for.
#[derive(Debug, Clone)]
pub struct Server {
    /// `http://127.0.0.1:PORT` (or `BEDROCK_TEST_OPENAI_URL`).
    pub url: String,
    /// The model it serves.
    pub model: String,
}

/// A server process this test started; killed when dropped.
pub struct Started {
    /// Where it listens.
    pub server: Server,
    /// Its output (uvicorn logs each request as its answer starts).
    pub log: PathBuf,
    child: Child,
}

impl Started {
    /// Kills the server at once (the test of a server stopped mid-stream).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Started {
    /// Kills the server once it has begun to answer a chat request (a stream's first chunk is
    /// on its way), from another thread; `false` if no request came within a minute.
    pub fn kill_once_answering(mut self) -> std::thread::JoinHandle<bool> {
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                if log.contains("POST /v1/chat/completions") {
                    std::thread::sleep(Duration::from_millis(50));
                    self.kill();
                    return true;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            false
        })
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The server the tests of this binary share: `BEDROCK_TEST_OPENAI_URL`'s, or one started once.
/// A static is never dropped, so it runs until the test binary exits, when `serve.py`, which
/// watches its parent, stops it.
pub fn shared() -> Result<Server, TestError> {
    static SHARED: OnceLock<Result<Option<Started>, String>> = OnceLock::new();
    let started = SHARED.get_or_init(|| match external() {
        Some(_) => Ok(None),
        None => start().map(Some).map_err(|e| e.to_string()),
    });
    match (started, external()) {
        (Ok(Some(started)), _) => Ok(started.server.clone()),
        (Ok(None), Some(server)) => Ok(server),
        (Ok(None), None) => Err("BEDROCK_TEST_OPENAI_URL changed while the tests ran".into()),
        (Err(e), _) => Err(e.clone().into()),
    }
}

/// The server `BEDROCK_TEST_OPENAI_URL` names, if any.
pub fn external() -> Option<Server> {
    let url = std::env::var("BEDROCK_TEST_OPENAI_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())?;
    let model = std::env::var("BEDROCK_TEST_OPENAI_MODEL")
        .ok()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| "llama3.2".into());
    Some(Server {
        url: url.trim().trim_end_matches('/').to_string(),
        model,
    })
}

/// Starts a server of its own on a free port and waits until it answers.
pub fn start() -> Result<Started, TestError> {
    start_with(&[])
}

/// [`start`] with more server arguments (a later one wins over the defaults).
pub fn start_with(extra: &[&str]) -> Result<Started, TestError> {
    let build_env: Vec<(&str, &str)> = BUILD_ENV
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    let python = venv_python(
        "llama-venv",
        REQUIREMENTS,
        "llama/requirements.txt",
        &build_env,
    )?;
    let model = tiny_model(&python)?;
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let log_path = target_dir()?
        .join("llama-venv")
        .join(format!("server-{port}.log"));
    let log = std::fs::File::create(&log_path)?;
    let child = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("llama/serve.py"))
        .arg("--model")
        .arg(&model)
        .args(["--model_alias", TINY_MODEL])
        .args(["--chat_format", "chatml-function-calling"])
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--n_ctx", "2048", "--n_threads", "2", "--verbose", "false"])
        // The tests of a binary share the server and run at once: by default the server ends a
        // stream early (without a finish reason) when another request comes in.
        .args(["--interrupt_requests", "false"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start the model server: {e}"))?;
    let mut started = Started {
        server: Server {
            url: format!("http://127.0.0.1:{port}"),
            model: TINY_MODEL.into(),
        },
        log: log_path.clone(),
        child,
    };
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if lists_models(port) {
            return Ok(started);
        }
        if let Some(status) = started.child.try_wait()? {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            return Err(
                format!("the model server exited ({status}) before it answered:\n{log}").into(),
            );
        }
        if Instant::now() > deadline {
            started.kill();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            return Err(format!(
                "the model server did not answer within {START_TIMEOUT:?}:\n{log}"
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The tiny model, written once per test binary (a second or less).
fn tiny_model(python: &Path) -> Result<PathBuf, TestError> {
    static MODEL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let make = || -> Result<PathBuf, TestError> {
                let dir = target_dir()?.join("llama-venv");
                // Written under a name of this process, then renamed: another test binary may
                // be reading the model of the same name at this moment.
                let draft = dir.join(format!("tiny-{}.gguf", std::process::id()));
                run(
                    Command::new(python)
                        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("llama/make_tiny_model.py"))
                        .arg(&draft),
                    "writing the tiny model",
                )?;
                let path = dir.join("tiny.gguf");
                std::fs::rename(&draft, &path)?;
                Ok(path)
            };
            make().map_err(|e| e.to_string())
        })
        .clone()
        .map_err(Into::into)
}

/// Sends `POST /v1/chat/completions` for a short answer to `server`, and waits for the answer.
pub fn ask_directly(server: &Server) -> Result<String, TestError> {
    let address = server
        .url
        .strip_prefix("http://")
        .ok_or("not an http:// server")?;
    let body = format!(
        r#"{{"model":"{}","messages":[{{"role":"user","content":"hi"}}],"max_tokens":4}}"#,
        server.model
    );
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "POST /v1/chat/completions HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

/// Whether the server on `port` answers `GET /v1/models` with 200.
fn lists_models(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /v1/models HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
}
