//! The README's "Without Jupyter" commands, run verbatim as a newcomer without an AWS account
//! would, and the local backend's promise to touch nothing but loopback.
//!
//! The commands are read from README.md itself, so a changed README is tested as it reads.
//! Each runs with no AWS configuration at all: an empty credentials and config file, no `AWS_*`
//! variables, instance metadata disabled (`AWS_EC2_METADATA_DISABLED=true`, as `./workshop` sets).

#[path = "support/llama.rs"]
mod llama;
#[path = "support/python.rs"]
mod python;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// `NAME=value` pairs, as a server's ready line prints them.
type EnvVars = Vec<(String, String)>;

/// What the chat example is fed: a greeting, the README's question, a follow-up, then quit.
const CHAT_INPUT: &str = "Hello\nWhat is Amazon Bedrock?\nWhich models can I use?\n/exit\n";

/// Texts that mean the local endpoint had nothing useful to say.
const NOT_AN_ANSWER: [&str; 3] = [
    "no scenario scripts an answer",
    "carries none",
    "no text to summarise",
];

/// What every example prints under its answers on the local backend.
const HINT: &str = "For a model's answers, give the AWS SDK credentials";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The commands of the README's "Without Jupyter" block, each split into words as a shell would.
fn readme_commands() -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
    let readme = std::fs::read_to_string(workspace().join("README.md"))?;
    let section = readme
        .split("\n## Without Jupyter")
        .nth(1)
        .ok_or("README.md has no \"Without Jupyter\" section")?;
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .ok_or("the \"Without Jupyter\" section has no ```sh block")?;
    let mut commands = Vec::new();
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let words =
            shlex::split(line).ok_or_else(|| format!("README line does not parse: {line}"))?;
        // A shell drops a trailing `# comment`.
        let words: Vec<String> = words
            .into_iter()
            .take_while(|w| !w.starts_with('#'))
            .collect();
        commands.push(words);
    }
    Ok(commands)
}

/// A command with no AWS configuration: what a fresh machine without an account has.
fn fresh(words: &[String], home: &Path) -> Result<Command, Box<dyn std::error::Error>> {
    let (program, args) = words.split_first().ok_or("empty command")?;
    // `cargo` in the README is the cargo running this test.
    let program = if program == "cargo" {
        env!("CARGO").to_string()
    } else {
        program.clone()
    };
    let mut command = Command::new(program);
    command.args(args).current_dir(workspace());
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") || name.starts_with("BEDROCK_") {
            command.env_remove(name);
        }
    }
    command
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("BEDROCK_LOCAL_DATE", "2026-12-02");
    Ok(command)
}

/// Runs to the end with `input` on stdin; fails with both streams when it fails.
fn run(mut command: Command, input: &str) -> Result<Output, Box<dyn std::error::Error>> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes())?;
    }
    let output = child.wait_with_output()?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(output)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` and returns it with the `NAME=value` pairs of its ready line.
fn serve(mut command: Command) -> Result<(Server, EnvVars), Box<dyn std::error::Error>> {
    let mut server = Server(
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let out = server.0.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line)?;
    let vars: EnvVars = line
        .split_whitespace()
        .filter_map(|word| word.split_once('='))
        .filter(|(name, _)| name.starts_with("AWS_"))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    if !vars
        .iter()
        .any(|(n, _)| n == "AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
    {
        return Err(format!("serve printed no endpoint: {line:?}").into());
    }
    Ok((server, vars))
}

/// The example a `cargo run ... --example NAME` command runs.
fn example(words: &[String]) -> Option<&str> {
    let at = words.iter().position(|w| w == "--example")?;
    words.get(at + 1).map(String::as_str)
}

fn assert_useful(what: &str, shown: &str) {
    for bad in NOT_AN_ANSWER {
        assert!(
            !shown.contains(bad),
            "{what} answered nothing useful:\n{shown}"
        );
    }
}

#[test]
fn every_readme_terminal_command_answers_usefully_without_an_aws_account() -> TestResult {
    let home = tempfile::tempdir()?;
    let commands = readme_commands()?;
    let examples: Vec<&str> = commands.iter().filter_map(|w| example(w)).collect();
    assert_eq!(examples, ["ask", "chat", "compare"], "{commands:?}");
    assert!(
        commands
            .iter()
            .any(|w| w.iter().any(|w| w == "bedrock-local")
                && w.last().is_some_and(|w| w == "serve")),
        "the README shows no serve command: {commands:?}"
    );
    let mut server_env = Vec::new();
    let mut _server = None;
    for words in &commands {
        if words.last().is_some_and(|w| w == "serve") {
            let (server, vars) = serve(fresh(words, home.path())?)?;
            server_env = vars;
            _server = Some(server);
            continue;
        }
        let example = example(words).ok_or("not an example")?;
        let input = if example == "chat" { CHAT_INPUT } else { "" };
        let shown = stdout(&run(fresh(words, home.path())?, input)?);
        assert_useful(example, &shown);
        assert!(
            shown.contains(HINT),
            "{example} does not say how to get real answers:\n{shown}"
        );
        match example {
            "ask" => assert!(
                shown.contains("Amazon Bedrock is AWS's managed service"),
                "{shown}"
            ),
            "chat" => {
                assert!(shown.contains("chatting with Amazon Nova Pro"), "{shown}");
                assert!(
                    shown.contains("Hello! This is the local Bedrock endpoint"),
                    "{shown}"
                );
                assert!(
                    shown.contains("Amazon Bedrock is AWS's managed service"),
                    "{shown}"
                );
                assert!(
                    shown.contains("Each AWS region offers its own set"),
                    "{shown}"
                );
            }
            "compare" => {
                let models = bedrock_kit::workshop_model_names();
                for model in &models {
                    assert!(shown.contains(model), "compare lacks {model}:\n{shown}");
                }
                let all = format!(
                    "{n} of {n} models answered (by the local endpoint",
                    n = models.len()
                );
                assert!(shown.contains(&all), "{shown}");
                assert_eq!(
                    shown.matches("The sun heats water").count(),
                    models.len(),
                    "{shown}"
                );
            }
            other => return Err(format!("unexpected example {other}").into()),
        }
    }
    // The server the README starts answers an SDK pointed at it with the variables it printed.
    let ask = commands
        .iter()
        .find(|w| w.iter().any(|w| w == "ask"))
        .ok_or("no ask command")?;
    let mut command = fresh(ask, home.path())?;
    command.envs(server_env).env("BEDROCK_BACKEND", "aws");
    let shown = stdout(&run(command, "")?);
    assert!(shown.contains("backend aws"), "{shown}");
    assert!(
        shown.contains("Amazon Bedrock is AWS's managed service"),
        "{shown}"
    );
    Ok(())
}

/// A loopback listener that counts connections and closes each at once.
fn counting_listener() -> Result<(String, Arc<AtomicUsize>), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
            let _ = stream.read(&mut [0u8; 1024]);
        }
    });
    Ok((url, count))
}

#[test]
fn local_backend_never_probes_instance_metadata_or_container_credentials() -> TestResult {
    let home = tempfile::tempdir()?;
    let ask: Vec<String> = [
        "cargo",
        "run",
        "-p",
        "bedrock-kit",
        "--example",
        "ask",
        "--",
        "Hello",
    ]
    .map(String::from)
    .to_vec();
    // Each run points the chosen credential endpoints at counting listeners, so a probe the local
    // backend made would be counted, not prevented.
    let probe = |backend: Option<&str>,
                 imds: bool,
                 container: bool|
     -> Result<(usize, usize), Box<dyn std::error::Error>> {
        let (imds_url, imds_count) = counting_listener()?;
        let (container_url, container_count) = counting_listener()?;
        let mut command = fresh(&ask, home.path())?;
        // Only a probe that the listener can count is let through: instance metadata stays
        // disabled unless it points at the listener.
        if imds {
            command
                .env_remove("AWS_EC2_METADATA_DISABLED")
                .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds_url);
        }
        if container {
            command.env(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("{container_url}/credentials"),
            );
        }
        if let Some(backend) = backend {
            command.env("BEDROCK_BACKEND", backend);
        }
        let shown = stdout(&run(command, "")?);
        assert!(shown.contains("backend local"), "{shown}");
        Ok((
            imds_count.load(Ordering::SeqCst),
            container_count.load(Ordering::SeqCst),
        ))
    };
    assert_eq!(
        probe(Some("local"), true, true)?,
        (0, 0),
        "BEDROCK_BACKEND=local probed instance metadata or container credentials"
    );
    // The controls: auto mode searches the chain, so the listeners do count its probes (the
    // container provider comes first and ends the search when it fails, hence two runs).
    let (imds, _) = probe(None, true, false)?;
    assert!(imds > 0, "auto mode never asked instance metadata");
    let (_, container) = probe(None, false, true)?;
    assert!(
        container > 0,
        "auto mode never asked the container endpoint"
    );
    Ok(())
}

#[test]
fn with_bedrock_local_model_url_set_connect_answers_from_that_model_and_says_so() -> TestResult {
    let server = llama::shared().map_err(|e| e.to_string())?;
    let home = tempfile::tempdir()?;
    let map = home.path().join("models.toml");
    std::fs::write(&map, format!("default = \"{}\"\n", server.model))?;
    let words: Vec<String> = [
        "cargo",
        "run",
        "--quiet",
        "--example",
        "ask",
        "--",
        "What is Amazon Bedrock?",
    ]
    .map(String::from)
    .to_vec();
    let mut command = fresh(&words, home.path())?;
    // No BEDROCK_BACKEND: the URL alone makes `connect()` start the local endpoint before it.
    command
        .env("BEDROCK_LOCAL_MODEL_URL", &server.url)
        .env("BEDROCK_LOCAL_MODEL_MAP", &map);
    let shown = stdout(&run(command, "")?);
    assert!(
        shown.contains(&format!(
            "answers from the local model server at {}",
            server.url
        )),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "answered by {} via {} (a local model standing in for",
            server.model, server.url
        )),
        "{shown}"
    );
    assert!(
        shown.contains("These answers come from a local model"),
        "{shown}"
    );
    assert!(
        !shown.contains("Amazon Bedrock is AWS's managed service"),
        "a scripted answer: {shown}"
    );
    Ok(())
}
