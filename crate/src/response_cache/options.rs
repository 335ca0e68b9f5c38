//! What a handle's response cache keeps, where, and for how long.

use std::path::PathBuf;
use std::time::Duration;

/// The file name of the disk cache inside its directory.
pub(crate) const FILE_NAME: &str = "responses.redb";

const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);
const DEFAULT_MEMORY_ENTRIES: usize = 1_000;
const DEFAULT_DISK_ENTRIES: usize = 10_000;
const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Where the entries live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    Memory,
    /// The directory holding [`FILE_NAME`].
    Disk(PathBuf),
}

/// Options of a handle's response cache.
///
/// In memory the cache lasts as long as the handle; on disk it survives a kernel restart. Entries
/// expire [`ttl`](Self::ttl) after they were stored, and the least recently used are evicted past
/// [`max_entries`](Self::max_entries) or [`max_bytes`](Self::max_bytes). Only requests with
/// temperature 0 are cached unless [`cache_sampled`](Self::cache_sampled) says otherwise.
///
/// ```
/// use std::time::Duration;
/// use bedrock_kit::CacheOptions;
/// let options = CacheOptions::on_disk("cache").ttl(Duration::from_secs(3600)).max_entries(500);
/// assert_eq!(CacheOptions::in_memory().max_entries_or_default(), 1_000);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CacheOptions {
    pub(crate) location: Location,
    pub(crate) ttl: Duration,
    pub(crate) max_entries: Option<usize>,
    pub(crate) max_bytes: u64,
    pub(crate) cache_sampled: bool,
}

impl CacheOptions {
    /// A cache in memory: 1,000 replies at most, gone with the handle.
    pub fn in_memory() -> Self {
        CacheOptions {
            location: Location::Memory,
            ttl: DEFAULT_TTL,
            max_entries: None,
            max_bytes: DEFAULT_MAX_BYTES,
            cache_sampled: false,
        }
    }

    /// A cache in `dir/responses.redb` (the directory is created), 10,000 replies at most, kept
    /// across kernel restarts. One handle at a time may open it.
    pub fn on_disk(dir: impl Into<PathBuf>) -> Self {
        CacheOptions {
            location: Location::Disk(dir.into()),
            ..CacheOptions::in_memory()
        }
    }

    /// How long an entry answers after it was stored (default 24 hours).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The most replies kept (default 1,000 in memory, 10,000 on disk); the least recently used
    /// go first.
    pub fn max_entries(mut self, entries: usize) -> Self {
        self.max_entries = Some(entries);
        self
    }

    /// The most bytes of stored replies (as serialised JSON, default 256 MiB); the least recently
    /// used go first. The disk file is somewhat larger than this (B-tree pages and free space).
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Also cache sampled requests: those with a temperature above 0, or none given (the model's
    /// default, above 0 for every workshop model). Off by default, since asking a sampled request
    /// again is usually meant to give another answer.
    pub fn cache_sampled(mut self, yes: bool) -> Self {
        self.cache_sampled = yes;
        self
    }

    /// The entry bound in force: the one set, or the default for the location.
    pub fn max_entries_or_default(&self) -> usize {
        self.max_entries.unwrap_or(match self.location {
            Location::Memory => DEFAULT_MEMORY_ENTRIES,
            Location::Disk(_) => DEFAULT_DISK_ENTRIES,
        })
    }
}

impl Default for CacheOptions {
    /// [`CacheOptions::in_memory`].
    fn default() -> Self {
        CacheOptions::in_memory()
    }
}
