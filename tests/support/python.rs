//! Python venvs under `target/` for the tests that drive Python programs (boto3, a model
//! server), made from a pinned requirements file and reused while it is unchanged.

// Several test binaries include this file, each using a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The error of a test helper.
pub type TestError = Box<dyn std::error::Error + Send + Sync>;

/// `target/` of this build: the test binary lives in `target/<profile>/deps/`.
pub fn target_dir() -> Result<PathBuf, TestError> {
    let exe = std::env::current_exe()?;
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("cannot find target/ above {}", exe.display()).into())
}

/// Runs a command, failing with its output when it does not succeed.
pub fn run(command: &mut Command, what: &str) -> Result<String, TestError> {
    let output = command
        .output()
        .map_err(|e| format!("{what}: cannot run {command:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The python of `target/<name>`, a venv with the packages of `requirements` (the file's text,
/// at `tests/<file>`), made now unless an earlier run (or `./workshop test`, which writes the
/// same stamp) made it from the same text. `env` reaches pip (build settings).
pub fn venv_python(
    name: &str,
    requirements: &str,
    file: &str,
    env: &[(&str, &str)],
) -> Result<PathBuf, TestError> {
    // Tests of one binary run at once; only one of them may make a venv.
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _making = MAKING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let venv = target_dir()?.join(name);
    let python = venv.join("bin").join("python");
    let stamp = venv.join(".requirements");
    let ready = python.exists()
        && std::fs::read_to_string(&stamp).is_ok_and(|made_from| made_from == requirements);
    if ready {
        return Ok(python);
    }
    Command::new("python3").arg("--version").output().map_err(|e| {
        format!(
            "python3 is needed for the venv {name} and could not be run ({e}); install Python 3 \
             with its venv module (Debian: apt-get install python3 python3-venv)"
        )
    })?;
    run(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        &format!("creating the venv {name} (Debian needs python3-venv)"),
    )?;
    let mut pip = Command::new(&python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
    ])
    .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(file));
    for (key, value) in env {
        pip.env(key, value);
    }
    run(&mut pip, &format!("pip install -r tests/{file}"))?;
    std::fs::write(&stamp, requirements)?;
    Ok(python)
}

/// `command` set to sign with `keys` for `region` at `endpoint` and to read nothing of this
/// machine's own AWS setup.
pub fn aws_isolated<'a>(
    command: &'a mut Command,
    endpoint: &str,
    access_key_id: &str,
    secret_access_key: &str,
    region: &str,
) -> &'a mut Command {
    command
        .env("BEDROCK_LOCAL_ENDPOINT", endpoint)
        .env("AWS_ACCESS_KEY_ID", access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", secret_access_key)
        .env("AWS_DEFAULT_REGION", region)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_BEARER_TOKEN_BEDROCK")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
}
