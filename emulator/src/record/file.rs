//! The recording on disk: a scenario file of recorded rules, rewritten whole after each exchange
//! (to a temporary file in the same directory, synced, then renamed over the old one), so a crash
//! at any moment leaves either the previous or the new complete file, never half a rule.
//!
//! The same exchange (operation, model, conversation digest) keeps one rule: the first recorded,
//! except that an answer replaces a recorded error for the same request (an SDK's retry after a
//! throttle must not replay as the throttle). A file that exists at start is continued: its
//! rules are kept as written (hand edits too) and count for deduplication.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::RecordError;
use super::exchange::key;
use crate::scenario::ScenarioSet;

/// What adding an exchange did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new rule was written.
    New,
    /// A recorded error for the same request was replaced by this answer.
    Replaced,
    /// The same exchange was recorded before; the file is unchanged.
    Duplicate,
}

/// One rule of the file.
struct Entry {
    /// `operation model digest`, for recorded rules.
    key: Option<String>,
    /// Whether it records an error.
    fault: bool,
    /// Its TOML text, from `[[rule]]` on.
    text: String,
}

/// The recording file and its rules in memory.
pub(crate) struct RecordingFile {
    path: PathBuf,
    header: String,
    entries: Vec<Entry>,
}

impl RecordingFile {
    /// Opens `path`: continues a valid scenario file that exists, else starts one with `header`
    /// (comment lines) and writes it at once, so the file is there and valid from the start.
    pub fn open(path: &Path, header: &str) -> Result<RecordingFile, RecordError> {
        let file_error = |message: String| RecordError::File {
            path: path.to_path_buf(),
            message,
        };
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            return Err(file_error(
                "a recording is a TOML scenario file: give it a name ending in .toml".into(),
            ));
        }
        let mut file = match std::fs::read_to_string(path) {
            Ok(text) => {
                ScenarioSet::from_toml_str(&path.display().to_string(), &text).map_err(|e| {
                    file_error(format!(
                        "it exists and is not a valid scenario file, so it cannot be continued ({e}); choose another --out or move it away"
                    ))
                })?;
                split(path, &text)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RecordingFile {
                path: path.to_path_buf(),
                header: header.to_string(),
                entries: Vec::new(),
            },
            Err(e) => return Err(file_error(format!("cannot read it: {e}"))),
        };
        file.path = path.to_path_buf();
        file.write()
            .map_err(|e| file_error(format!("cannot write it: {e}")))?;
        Ok(file)
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds a rule (`text`) for the exchange `key` and rewrites the file when it changed.
    pub fn add(&mut self, key: String, fault: bool, text: String) -> std::io::Result<Added> {
        let existing = self
            .entries
            .iter_mut()
            .find(|e| e.key.as_deref() == Some(key.as_str()));
        let added = match existing {
            Some(entry) if entry.fault && !fault => {
                entry.fault = false;
                entry.text = text;
                Added::Replaced
            }
            Some(_) => return Ok(Added::Duplicate),
            None => {
                self.entries.push(Entry {
                    key: Some(key),
                    fault,
                    text,
                });
                Added::New
            }
        };
        self.write()?;
        Ok(added)
    }

    /// Writes the whole file atomically: temporary file, fsync, rename.
    fn write(&self) -> std::io::Result<()> {
        let mut text = self.header.clone();
        for entry in &self.entries {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push('\n');
            }
            text.push_str(&entry.text);
        }
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "recording.toml".into());
        let temp = self
            .path
            .with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &self.path)
    }
}

/// Splits a file's text into its header (before the first `[[rule]]`) and its rules, reading
/// each recorded rule's key and whether it is a fault.
fn split(path: &Path, text: &str) -> RecordingFile {
    let mut header = String::new();
    let mut blocks: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "[[rule]]" {
            blocks.push(String::new());
        }
        match blocks.last_mut() {
            Some(block) => block.push_str(line),
            None => header.push_str(line),
        }
    }
    let entries = blocks
        .into_iter()
        .map(|text| {
            let parsed = toml::from_str::<toml::Table>(&text).ok();
            let rule = parsed
                .as_ref()
                .and_then(|t| t.get("rule"))
                .and_then(|r| r.as_array())
                .and_then(|r| r.first());
            let field = |name: &str| {
                rule.and_then(|r| r.get("match"))
                    .and_then(|m| m.get(name))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let key = match (field("operation"), field("model"), field("conversation")) {
                (Some(op), Some(model), Some(digest)) => {
                    Some(key(&op, &unescape_glob(&model), &digest))
                }
                _ => None,
            };
            let fault = rule.is_some_and(|r| r.get("fault").is_some());
            let text = if text.ends_with('\n') {
                text
            } else {
                format!("{text}\n")
            };
            Entry { key, fault, text }
        })
        .collect();
    RecordingFile {
        path: path.to_path_buf(),
        header,
        entries,
    }
}

/// The model id a written glob stands for (the recorder escapes `*?[]{}\`).
fn unescape_glob(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len());
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            other => out.push(other),
        }
    }
    out
}
