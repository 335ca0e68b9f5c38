//! The disk layer: one redb file, `<dir>/responses.redb`.
//!
//! redb because it is pure Rust (no C build in a notebook kernel's dependency tree), keeps the
//! whole cache in one ACID file that a crash or a killed kernel leaves consistent, refuses a
//! second writer (so two kernels cannot interleave writes), and is maintained; a file per entry
//! (cacache) would leave thousands of files and no transaction over an eviction.
//!
//! Three tables: `replies` (key → the reply as JSON), `index` (key → last use, stored at, size)
//! and `recency` (last use → key, the eviction order). A hit does not write: the keys it used are
//! remembered and written with the next store, or in a cheap non-durable commit every
//! [`TOUCH_BATCH`] hits, or when the cache is dropped, so a lookup stays a read.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use redb::{
    Database, DatabaseError, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    TableDefinition, WriteTransaction,
};

use super::key::CacheKey;
use super::options::FILE_NAME;
use crate::error::Error;
use crate::reply::Reply;

const REPLIES: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("replies");
/// Key → (last use, stored at in Unix milliseconds, size in bytes).
const INDEX: TableDefinition<&[u8; 32], (u64, u64, u64)> = TableDefinition::new("index");
const RECENCY: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("recency");

/// Hits remembered before their recency is written without waiting for a store.
const TOUCH_BATCH: usize = 256;

/// A file larger than this many times its stored bytes (plus [`SPARSE_FLOOR`]) is compacted when
/// opened. A reply of 2-3 KB (a 1 KB answer: its text is in `text` and in `content`) takes a
/// 4 KiB page of its own, so a compact file is up to about 1.7 times its stored bytes.
const SPARSE_RATIO: u64 = 2;
const SPARSE_FLOOR: u64 = 4 * 1024 * 1024;

/// redb's page cache: the default (1 GiB) is a ceiling, not an allocation, but a cache of
/// replies that are also kept in memory needs little.
const PAGE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// What a lookup found.
#[derive(Debug)]
pub(crate) enum Lookup {
    Found {
        reply: Box<Reply>,
        stored_at: u64,
        bytes: u64,
    },
    Missing,
    /// Stored bytes that no longer read as a reply: the caller drops them.
    Corrupt,
}

/// Counters kept beside the file, and the hits not yet written.
#[derive(Debug, Default)]
struct DiskState {
    next_use: u64,
    entries: usize,
    bytes: u64,
    touched: Vec<CacheKey>,
}

/// The open cache file.
#[derive(Debug)]
pub(crate) struct DiskStore {
    db: Database,
    path: PathBuf,
    max_entries: usize,
    max_bytes: u64,
    /// Held for every write transaction, so the counters change with the file.
    state: Mutex<DiskState>,
}

impl DiskStore {
    /// Opens (or creates) `dir/responses.redb`, dropping entries stored at or before
    /// `expired_before` and any past the bounds.
    pub(crate) fn open(
        dir: &Path,
        max_entries: usize,
        max_bytes: u64,
        expired_before: u64,
    ) -> crate::Result<DiskStore> {
        let path = dir.join(FILE_NAME);
        let refuse = |reason: String| Error::ResponseCache {
            path: path.clone(),
            reason,
        };
        std::fs::create_dir_all(dir).map_err(|error| {
            refuse(format!(
                "cannot create its directory ({error}): pick a directory you can write to"
            ))
        })?;
        let db = redb::Builder::new()
            .set_cache_size(PAGE_CACHE_BYTES)
            // A file altered outside redb then fails to open instead of making redb panic.
            .set_check_integrity_on_open(true)
            .create(&path)
            .map_err(|error| refuse(open_refusal(&error)))?;
        let mut store = DiskStore {
            db,
            path: path.clone(),
            max_entries,
            max_bytes,
            state: Mutex::new(DiskState::default()),
        };
        store
            .prepare(expired_before)
            .map_err(|error| refuse(format!("{error}: {DAMAGED}")))?;
        store.compact_if_sparse();
        Ok(store)
    }

    /// Gives freed pages back to the file system when most of the file is free: evictions and
    /// copy-on-write leave free pages that redb reuses but does not return. Done at open, the one
    /// time no transaction can be running; a failure only leaves the file as large as it was.
    fn compact_if_sparse(&mut self) {
        let stored = self.counts().1;
        let file = std::fs::metadata(&self.path).map_or(0, |meta| meta.len());
        if file <= stored.saturating_mul(SPARSE_RATIO) + SPARSE_FLOOR {
            return;
        }
        if let Err(error) = self.db.compact() {
            tracing::warn!(path = %self.path.display(), %error, "response cache: file not compacted");
        }
    }

    /// Creates the tables, drops what expired or no longer fits, and counts what is left.
    fn prepare(&self, expired_before: u64) -> Result<(), redb::Error> {
        let mut state = self.state();
        let txn = self.db.begin_write()?;
        {
            let index = txn.open_table(INDEX)?;
            txn.open_table(REPLIES)?;
            let mut expired = Vec::new();
            for row in index.iter()? {
                let (key, meta) = row?;
                if meta.value().1 <= expired_before {
                    expired.push(CacheKey(*key.value()));
                }
            }
            drop(index);
            for key in &expired {
                remove_in(&txn, key)?;
            }
            let index = txn.open_table(INDEX)?;
            state.entries = usize::try_from(index.len()?).unwrap_or(usize::MAX);
            state.bytes = 0;
            for row in index.iter()? {
                state.bytes += row?.1.value().2;
            }
            let recency = txn.open_table(RECENCY)?;
            state.next_use = recency.last()?.map_or(0, |(last, _)| last.value() + 1);
        }
        let (entries, bytes) = self.evict_in(&txn, state.entries, state.bytes, &mut Vec::new())?;
        txn.commit()?;
        state.entries = entries;
        state.bytes = bytes;
        Ok(())
    }

    /// The stored reply under `key`; a hit is remembered for the eviction order.
    pub(crate) fn get(&self, key: &CacheKey) -> Result<Lookup, redb::Error> {
        let found = {
            let txn = self.db.begin_read()?;
            let replies = txn.open_table(REPLIES)?;
            let index = txn.open_table(INDEX)?;
            match (replies.get(&key.0)?, index.get(&key.0)?) {
                (Some(json), Some(meta)) => Some((
                    serde_json::from_slice::<Box<Reply>>(json.value()),
                    meta.value(),
                )),
                (None, None) => None,
                // One table without the other cannot come from this code (both change in one
                // transaction); treat it like unreadable bytes.
                _ => return Ok(Lookup::Corrupt),
            }
        };
        match found {
            None => Ok(Lookup::Missing),
            Some((Err(_), _)) => Ok(Lookup::Corrupt),
            Some((Ok(reply), (_, stored_at, bytes))) => {
                self.touch(*key);
                Ok(Lookup::Found {
                    reply,
                    stored_at,
                    bytes,
                })
            }
        }
    }

    /// Remembers a hit (also one the memory layer answered), writing the batch without waiting
    /// for durability once it is full.
    pub(crate) fn touch(&self, key: CacheKey) {
        let mut state = self.state();
        state.touched.push(key);
        if state.touched.len() >= TOUCH_BATCH {
            let outcome = self
                .db
                .begin_write()
                .map_err(redb::Error::from)
                .and_then(|mut txn| {
                    txn.set_durability(Durability::None)?;
                    self.write_touches(&txn, &mut state)?;
                    txn.commit()?;
                    Ok(())
                });
            if let Err(error) = outcome {
                // The order of eviction is advice, not data: losing it costs nothing but order.
                tracing::warn!(path = %self.path.display(), %error, "response cache: recency not written");
                state.touched.clear();
            }
        }
    }

    /// Stores `json` (a serialised reply) under `key`, evicting the least recently used entries
    /// past the bounds; returns the keys evicted, which the memory layer drops too.
    pub(crate) fn put(
        &self,
        key: &CacheKey,
        json: &[u8],
        stored_at: u64,
    ) -> Result<Vec<CacheKey>, redb::Error> {
        let mut state = self.state();
        let txn = self.db.begin_write()?;
        self.write_touches(&txn, &mut state)?;
        let (mut entries, mut bytes) = (state.entries, state.bytes);
        if let Some(old) = remove_in(&txn, key)? {
            entries -= 1;
            bytes -= old;
        }
        let last_use = state.next_use;
        let size = json.len() as u64;
        txn.open_table(REPLIES)?.insert(&key.0, json)?;
        txn.open_table(INDEX)?
            .insert(&key.0, (last_use, stored_at, size))?;
        txn.open_table(RECENCY)?.insert(last_use, &key.0)?;
        let mut evicted = Vec::new();
        let (entries, bytes) = self.evict_in(&txn, entries + 1, bytes + size, &mut evicted)?;
        txn.commit()?;
        state.next_use = last_use + 1;
        state.entries = entries;
        state.bytes = bytes;
        Ok(evicted)
    }

    /// Drops one entry (expired or unreadable).
    pub(crate) fn remove(&self, key: &CacheKey) -> Result<(), redb::Error> {
        let mut state = self.state();
        let txn = self.db.begin_write()?;
        let removed = remove_in(&txn, key)?;
        txn.commit()?;
        if let Some(size) = removed {
            state.entries -= 1;
            state.bytes -= size;
        }
        Ok(())
    }

    /// Drops every entry.
    pub(crate) fn clear(&self) -> Result<(), redb::Error> {
        let mut state = self.state();
        let txn = self.db.begin_write()?;
        txn.open_table(REPLIES)?.retain(|_, _| false)?;
        txn.open_table(INDEX)?.retain(|_, _| false)?;
        txn.open_table(RECENCY)?.retain(|_, _| false)?;
        txn.commit()?;
        state.entries = 0;
        state.bytes = 0;
        state.touched.clear();
        Ok(())
    }

    /// Entries and bytes of stored replies.
    pub(crate) fn counts(&self) -> (usize, u64) {
        let state = self.state();
        (state.entries, state.bytes)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The counters; a thread that panicked holding them left them as consistent as the last
    /// commit, so the poison is ignored.
    fn state(&self) -> MutexGuard<'_, DiskState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Gives each remembered hit a new place at the young end of the eviction order.
    fn write_touches(
        &self,
        txn: &WriteTransaction,
        state: &mut DiskState,
    ) -> Result<(), redb::Error> {
        let mut index = txn.open_table(INDEX)?;
        let mut recency = txn.open_table(RECENCY)?;
        for key in std::mem::take(&mut state.touched) {
            let Some((old_use, stored_at, size)) = index.get(&key.0)?.map(|meta| meta.value())
            else {
                continue; // evicted or cleared since the hit
            };
            let last_use = state.next_use;
            state.next_use += 1;
            recency.remove(old_use)?;
            recency.insert(last_use, &key.0)?;
            index.insert(&key.0, (last_use, stored_at, size))?;
        }
        Ok(())
    }

    /// Evicts the least recently used entries until both bounds hold; returns the new counts.
    fn evict_in(
        &self,
        txn: &WriteTransaction,
        mut entries: usize,
        mut bytes: u64,
        evicted: &mut Vec<CacheKey>,
    ) -> Result<(usize, u64), redb::Error> {
        while entries > self.max_entries || bytes > self.max_bytes {
            let oldest = txn
                .open_table(RECENCY)?
                .first()?
                .map(|(_, key)| CacheKey(*key.value()));
            let Some(oldest) = oldest else { break };
            match remove_in(txn, &oldest)? {
                Some(size) => {
                    entries -= 1;
                    bytes -= size;
                }
                // A recency row without its entry: drop the row so the loop moves on.
                None => {
                    let mut recency = txn.open_table(RECENCY)?;
                    let first = recency.first()?.map(|(last_use, _)| last_use.value());
                    if let Some(first) = first {
                        recency.remove(first)?;
                    }
                }
            }
            evicted.push(oldest);
        }
        Ok((entries, bytes))
    }
}

impl Drop for DiskStore {
    /// Writes the hits not yet written, so the eviction order survives the restart.
    fn drop(&mut self) {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.touched.is_empty() {
            return;
        }
        let mut state = std::mem::take(state);
        let outcome = self
            .db
            .begin_write()
            .map_err(redb::Error::from)
            .and_then(|txn| {
                self.write_touches(&txn, &mut state)?;
                txn.commit()?;
                Ok(())
            });
        if let Err(error) = outcome {
            tracing::warn!(path = %self.path.display(), %error, "response cache: recency not written");
        }
    }
}

/// Removes `key` from all three tables; returns the size it had.
fn remove_in(txn: &WriteTransaction, key: &CacheKey) -> Result<Option<u64>, redb::Error> {
    let meta = txn
        .open_table(INDEX)?
        .remove(&key.0)?
        .map(|meta| meta.value());
    txn.open_table(REPLIES)?.remove(&key.0)?;
    Ok(match meta {
        Some((last_use, _, size)) => {
            txn.open_table(RECENCY)?.remove(last_use)?;
            Some(size)
        }
        None => None,
    })
}

const DAMAGED: &str =
    "if the file is damaged, delete it to start an empty cache, or pick another directory";

/// Why the file cannot be opened, and what to do.
fn open_refusal(error: &DatabaseError) -> String {
    match error {
        DatabaseError::DatabaseAlreadyOpen => "another kernel or handle has it open: drop that \
             handle or restart that kernel, or give this one another directory \
             (CacheOptions::on_disk)"
            .to_string(),
        other => format!("{other}: {DAMAGED}"),
    }
}
