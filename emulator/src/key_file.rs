//! More access keys from a JSON file (`--credentials-file`,
//! [`Config::credentials_file`](crate::Config::credentials_file)), each shaped like what an AWS
//! `credential_process` prints and optionally expiring; the file is re-read when it changes.
//!
//! ```json
//! {"credentials": [
//!   {"Version": 1, "AccessKeyId": "ASIALOCAL0000000001", "SecretAccessKey": "...",
//!    "SessionToken": "...", "Expiration": "2026-12-02T18:00:00Z"}
//! ]}
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::ConfigError;
use crate::data_file::first_refused;

/// A file whose modification time is this close to when it was read may still change within
/// the same timestamp (many filesystems keep it in ticks of milliseconds, some in whole
/// seconds), so until it is older it is read again, and parsed again if its bytes changed.
const SETTLE: Duration = Duration::from_secs(2);

/// One key the file lists. Neither `Debug` nor any message shows its secret or token.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct FileKey {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: String,
    /// `SessionToken`: when set, a request must carry it as `x-amz-security-token`.
    pub session_token: Option<String>,
    /// `Expiration`: from then on the key answers `ExpiredTokenException`.
    pub expiration: Option<OffsetDateTime>,
}

impl fmt::Debug for FileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// A credentials file and the keys last read from it; cloning shares them.
#[derive(Clone)]
pub(crate) struct KeyFile {
    path: PathBuf,
    loaded: Arc<Mutex<Loaded>>,
}

/// What was last read.
struct Loaded {
    /// Modification time and length when it was read (`None`: the file could not be seen).
    stamp: Option<(SystemTime, u64)>,
    /// Whether `stamp` is old enough to trust (see [`SETTLE`]).
    settled: bool,
    /// The bytes read, to tell a rewrite with the same stamp from no change.
    bytes: Vec<u8>,
    /// The keys of the last version that parsed.
    keys: Vec<FileKey>,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The file as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    /// The entries, each kept raw until it is read on its own (so errors can name it).
    credentials: Vec<Value>,
}

/// One entry as `credential_process` prints it; every field optional so that a bad one can be
/// found alone ([`first_refused`]), the required ones checked after.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct EntrySpec {
    /// `Version` (1 in what `credential_process` prints): accepted and ignored.
    #[serde(rename = "Version")]
    _version: Option<IgnoredAny>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<String>,
}

impl KeyFile {
    /// Reads `path` now; a file that cannot be read or parsed is an error naming the file, and
    /// the entry and field when the mistake is inside one.
    pub(crate) fn open(path: &Path) -> Result<KeyFile, ConfigError> {
        let stamp = stamp(path);
        let bytes = std::fs::read(path).map_err(|e| {
            error(
                path,
                None,
                None,
                format!("cannot read it ({e}): give the path of a readable JSON file"),
            )
        })?;
        let keys = parse(path, &bytes)?;
        Ok(KeyFile {
            path: path.to_path_buf(),
            loaded: Arc::new(Mutex::new(Loaded {
                settled: is_settled(stamp),
                stamp,
                bytes,
                keys,
            })),
        })
    }

    /// The file's path as given.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The key with this id, from the file as it is now: when its modification time or length
    /// changed since the last read it is read again. A version that cannot be read or parsed
    /// leaves the previous keys in place and logs a warning (once per version).
    pub(crate) fn find(&self, access_key_id: &str) -> Option<FileKey> {
        // Every step under the lock leaves `Loaded` whole, so a poisoned lock is still usable.
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        let now = stamp(&self.path);
        if now != loaded.stamp || !loaded.settled {
            self.reread(&mut loaded, now);
        }
        loaded
            .keys
            .iter()
            .find(|k| k.access_key_id == access_key_id)
            .cloned()
    }

    fn reread(&self, loaded: &mut Loaded, stamp: Option<(SystemTime, u64)>) {
        loaded.stamp = stamp;
        loaded.settled = is_settled(stamp);
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) => {
                // Nothing to re-check until the file changes again.
                loaded.settled = true;
                tracing::warn!(
                    file = %self.path.display(),
                    error = %e,
                    "bedrock-local cannot re-read its credentials file; the keys read before stay accepted"
                );
                return;
            }
        };
        if bytes == loaded.bytes {
            return;
        }
        match parse(&self.path, &bytes) {
            Ok(keys) => {
                tracing::info!(
                    file = %self.path.display(),
                    keys = keys.len(),
                    "bedrock-local re-read its credentials file"
                );
                loaded.keys = keys;
            }
            Err(e) => tracing::warn!(
                error = %e,
                "bedrock-local keeps the keys read before from its credentials file"
            ),
        }
        loaded.bytes = bytes;
    }
}

/// The file's modification time and length, when it can be seen.
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

fn is_settled(stamp: Option<(SystemTime, u64)>) -> bool {
    stamp.is_some_and(|(modified, _)| {
        SystemTime::now()
            .duration_since(modified)
            .is_ok_and(|age| age >= SETTLE)
    })
}

fn error(path: &Path, entry: Option<usize>, field: Option<&str>, message: String) -> ConfigError {
    ConfigError::CredentialsFile {
        path: path.to_path_buf(),
        entry,
        field: field.map(str::to_string),
        message,
    }
}

/// Reads the keys of a file's text.
fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<FileKey>, ConfigError> {
    const SHAPE: &str =
        r#"write {"credentials": [{"AccessKeyId": "...", "SecretAccessKey": "..."}]}"#;
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| error(path, None, None, format!("not JSON ({e}): {SHAPE}")))?;
    // serde's message for a wrong type quotes the value, which could be a pasted secret.
    let shape_error = match &value {
        Value::Object(top) if top.get("credentials").is_some_and(|c| !c.is_array()) => {
            Some("`credentials` must be a list of entries")
        }
        Value::Object(_) => None,
        _ => Some("expected a JSON object"),
    };
    if let Some(message) = shape_error {
        return Err(error(path, None, None, format!("{message}: {SHAPE}")));
    }
    let file: FileSpec = serde_json::from_value(value)
        .map_err(|e| error(path, None, None, format!("{e}: {SHAPE}")))?;
    let mut keys: Vec<FileKey> = Vec::with_capacity(file.credentials.len());
    for (index, entry) in file.credentials.into_iter().enumerate() {
        let key = parse_entry(path, index + 1, entry)?;
        if let Some(before) = keys
            .iter()
            .position(|k| k.access_key_id == key.access_key_id)
        {
            return Err(error(
                path,
                Some(index + 1),
                Some("AccessKeyId"),
                format!(
                    "`{}` is already listed by entry #{}: list each key once",
                    key.access_key_id,
                    before + 1
                ),
            ));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// Reads the `entry`-th (1-based) entry.
fn parse_entry(path: &Path, entry: usize, value: Value) -> Result<FileKey, ConfigError> {
    let at = |field: Option<&str>, message: String| error(path, Some(entry), field, message);
    let Value::Object(table) = &value else {
        return Err(at(
            None,
            "expected an object with AccessKeyId and SecretAccessKey".into(),
        ));
    };
    let spec = match serde_json::from_value::<EntrySpec>(value.clone()) {
        Ok(spec) => spec,
        Err(whole) => {
            return Err(match first_refused::<EntrySpec>(table, &Map::new()) {
                // serde's message may quote the value: never the secret or the token.
                Some((field, _)) if field == "SecretAccessKey" || field == "SessionToken" => {
                    at(Some(&field), "must be a string".into())
                }
                Some((field, e)) => at(Some(&field), e.to_string()),
                None => at(None, whole.to_string()),
            });
        }
    };
    let required = |field: &str, value: Option<String>| match value {
        Some(value) if !value.trim().is_empty() => Ok(value),
        Some(_) => Err(at(Some(field), "must not be empty".into())),
        None => Err(at(
            Some(field),
            "missing: every entry needs AccessKeyId and SecretAccessKey".into(),
        )),
    };
    let access_key_id = required("AccessKeyId", spec.access_key_id)?;
    let secret_access_key = required("SecretAccessKey", spec.secret_access_key)?;
    let session_token = match spec.session_token {
        Some(token) if token.trim().is_empty() => {
            return Err(at(
                Some("SessionToken"),
                "must not be empty (leave it out for a key without one)".into(),
            ));
        }
        token => token,
    };
    let expiration = spec
        .expiration
        .map(|text| {
            OffsetDateTime::parse(&text, &Rfc3339).map_err(|e| {
                at(
                    Some("Expiration"),
                    format!(
                        "`{text}` is not an RFC 3339 time ({e}): write it like 2026-12-02T18:00:00Z"
                    ),
                )
            })
        })
        .transpose()?;
    Ok(FileKey {
        access_key_id,
        secret_access_key,
        session_token,
        expiration,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests state expectations
mod tests {
    use super::*;
    use std::io::Write as _;

    const SECRET: &str = "file-secret-0000000000000000000000000001";
    const TOKEN: &str = "file-session-token-0001";

    fn file_with(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    fn open_error(text: &str) -> (String, String) {
        let file = file_with(text);
        let path = file.path().display().to_string();
        let e = KeyFile::open(file.path()).unwrap_err().to_string();
        (e, path)
    }

    #[test]
    fn an_entry_shaped_like_credential_process_output_is_read_with_its_token_and_expiry() {
        let file = file_with(&format!(
            r#"{{"credentials": [
                {{"Version": 1, "AccessKeyId": "ASIAFILE0000000001", "SecretAccessKey": "{SECRET}",
                  "SessionToken": "{TOKEN}", "Expiration": "2026-12-02T18:00:00Z"}},
                {{"AccessKeyId": "AKIAFILE0000000002", "SecretAccessKey": "{SECRET}"}}
            ]}}"#
        ));
        let keys = KeyFile::open(file.path()).unwrap();
        let first = keys.find("ASIAFILE0000000001").unwrap();
        assert_eq!(first.secret_access_key, SECRET);
        assert_eq!(first.session_token.as_deref(), Some(TOKEN));
        assert_eq!(
            first.expiration,
            Some(time::macros::datetime!(2026-12-02 18:00:00 UTC))
        );
        let second = keys.find("AKIAFILE0000000002").unwrap();
        assert_eq!((second.session_token, second.expiration), (None, None));
        assert!(keys.find("AKIAOTHER").is_none());
    }

    #[test]
    fn a_file_that_cannot_be_read_or_parsed_is_an_error_naming_the_file_entry_and_field() {
        let missing = KeyFile::open(Path::new("/nonexistent/keys.json"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("credentials file `/nonexistent/keys.json`: cannot read it ("),
            "{missing}"
        );
        assert!(
            missing.ends_with("give the path of a readable JSON file"),
            "{missing}"
        );
        for (text, place, message) in [
            (
                "{",
                "",
                "not JSON (EOF while parsing an object at line 1 column 1): write {\"credentials\": [",
            ),
            (
                r#"{"keys": []}"#,
                "",
                "unknown field `keys`, expected `credentials`: write {\"credentials\": [",
            ),
            (
                r#"{"credentials": [3]}"#,
                ", entry #1",
                "expected an object with AccessKeyId and SecretAccessKey",
            ),
            (
                r#"{"credentials": [{"AccessKeyId": "A", "SecretAccessKey": "s"}, {"AccessKeyId": "B"}]}"#,
                ", entry #2, field `SecretAccessKey`",
                "missing: every entry needs AccessKeyId and SecretAccessKey",
            ),
            (
                r#"{"credentials": [{"AccessKeyId": "A", "SecretAccessKey": "s", "Expires": "x"}]}"#,
                ", entry #1, field `Expires`",
                "unknown field `Expires`, expected one of `Version`, `AccessKeyId`, `SecretAccessKey`, `SessionToken`, `Expiration`",
            ),
            (
                r#"{"credentials": [{"AccessKeyId": 7, "SecretAccessKey": "s"}]}"#,
                ", entry #1, field `AccessKeyId`",
                "invalid type: integer `7`, expected a string",
            ),
            (
                r#"{"credentials": [{"AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "tomorrow"}]}"#,
                ", entry #1, field `Expiration`",
                "`tomorrow` is not an RFC 3339 time (",
            ),
            (
                r#"{"credentials": [{"AccessKeyId": "A", "SecretAccessKey": "s"}, {"AccessKeyId": "A", "SecretAccessKey": "t"}]}"#,
                ", entry #2, field `AccessKeyId`",
                "`A` is already listed by entry #1: list each key once",
            ),
        ] {
            let (e, path) = open_error(text);
            let prefix = format!("credentials file `{path}`{place}: {message}");
            assert!(e.starts_with(&prefix), "{text}\n=> {e}\nwant {prefix}");
        }
        let (e, _) = open_error(
            r#"{"credentials": [{"AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "tomorrow"}]}"#,
        );
        assert!(e.ends_with("write it like 2026-12-02T18:00:00Z"), "{e}");
    }

    #[test]
    fn errors_never_quote_a_secret_or_a_token() {
        for (text, message) in [
            (
                r#"{"credentials": [{"AccessKeyId": "A", "SecretAccessKey": 987654321}]}"#,
                "must be a string",
            ),
            (
                r#"{"credentials": [{"AccessKeyId": "A", "SecretAccessKey": "s", "SessionToken": 987654321}]}"#,
                "must be a string",
            ),
            (
                r#"{"credentials": "AKIA:987654321"}"#,
                "`credentials` must be a list of entries: write {",
            ),
            (r#""987654321""#, "expected a JSON object: write {"),
        ] {
            let (e, _) = open_error(text);
            assert!(e.contains(message), "{e}");
            assert!(!e.contains("987654321"), "{e}");
        }
    }

    /// Log lines written while `run` runs on this thread.
    fn logs_of(run: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Capture(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Capture {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, run);
        let bytes = capture.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_changed_file_is_reread_and_a_broken_one_keeps_the_previous_keys_with_a_warning() {
        let entry = |id: &str| {
            format!(
                r#"{{"AccessKeyId": "{id}", "SecretAccessKey": "{SECRET}", "SessionToken": "{TOKEN}"}}"#
            )
        };
        let file = file_with(&format!(r#"{{"credentials": [{}]}}"#, entry("AKIAONE")));
        let keys = KeyFile::open(file.path()).unwrap();
        assert!(keys.find("AKIATWO").is_none());
        std::fs::write(
            file.path(),
            format!(
                r#"{{"credentials": [{}, {}]}}"#,
                entry("AKIAONE"),
                entry("AKIATWO")
            ),
        )
        .unwrap();
        let logs = logs_of(|| assert!(keys.find("AKIATWO").is_some()));
        assert!(logs.contains("re-read its credentials file"), "{logs}");
        std::fs::write(
            file.path(),
            r#"{"credentials": [{"AccessKeyId": "AKIATHREE"}]}"#,
        )
        .unwrap();
        let logs = logs_of(|| {
            assert!(keys.find("AKIAONE").is_some());
            assert!(keys.find("AKIATWO").is_some());
            assert!(keys.find("AKIATHREE").is_none());
        });
        assert!(logs.contains("WARN"), "{logs}");
        assert!(logs.contains("keeps the keys read before"), "{logs}");
        assert!(logs.contains(&file.path().display().to_string()), "{logs}");
        assert!(logs.contains("entry #1, field `SecretAccessKey`"), "{logs}");
        assert_eq!(
            logs.matches("WARN").count(),
            1,
            "one warning per version: {logs}"
        );
        assert!(!logs.contains(SECRET) && !logs.contains(TOKEN), "{logs}");
    }

    #[test]
    fn a_rewrite_with_the_same_length_and_time_is_still_seen() {
        let text = |expiry: &str| {
            format!(
                r#"{{"credentials": [{{"AccessKeyId": "AKIAONE", "SecretAccessKey": "{SECRET}", "Expiration": "{expiry}"}}]}}"#
            )
        };
        let file = file_with(&text("2099-01-01T00:00:00Z"));
        let keys = KeyFile::open(file.path()).unwrap();
        let before = std::fs::metadata(file.path()).unwrap().modified().unwrap();
        std::fs::write(file.path(), text("2001-01-01T00:00:00Z")).unwrap();
        // Put the old time back: only the bytes tell the versions apart.
        std::fs::File::options()
            .write(true)
            .open(file.path())
            .unwrap()
            .set_modified(before)
            .unwrap();
        let expiration = keys.find("AKIAONE").unwrap().expiration;
        assert_eq!(
            expiration,
            Some(time::macros::datetime!(2001-01-01 00:00:00 UTC))
        );
    }

    #[test]
    fn debug_never_shows_the_secret_or_the_token() {
        let key = FileKey {
            access_key_id: "AKIAONE".into(),
            secret_access_key: SECRET.into(),
            session_token: Some(TOKEN.into()),
            expiration: None,
        };
        let shown = format!("{key:?}");
        assert!(shown.contains("AKIAONE"), "{shown}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    }
}
