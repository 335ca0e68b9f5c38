//! The cache a handle holds: the memory layer, the optional disk layer, and the counters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::clock::{Clock, SystemClock, unix_millis};
use super::key::CacheKey;
use super::memory::MemoryLayer;
use super::options::{CacheOptions, Location};
use super::stats::CacheStats;
use super::store::{DiskStore, Lookup};
use crate::error::Error;
use crate::reply::Reply;

/// The memory layer in front of a disk cache keeps at most this many replies, so a 10,000-entry
/// file does not mean 10,000 replies in memory.
const DISK_FRONT_ENTRIES: usize = 1_000;

/// A handle's response cache. Clones share it; it is safe to use from many threads.
#[derive(Debug, Clone)]
pub(crate) struct ResponseCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    options: CacheOptions,
    clock: Arc<dyn Clock>,
    memory: Mutex<MemoryLayer>,
    disk: Option<DiskStore>,
    hits: AtomicU64,
    misses: AtomicU64,
    skipped: AtomicU64,
    tokens_saved: AtomicU64,
    nanos_saved: AtomicU64,
}

impl ResponseCache {
    /// Opens the cache `options` describe; on disk, fails with [`Error::ResponseCache`] when the
    /// file is in use by another handle or kernel, or cannot be read.
    pub(crate) fn open(options: &CacheOptions) -> crate::Result<ResponseCache> {
        ResponseCache::open_with_clock(options, Arc::new(SystemClock))
    }

    /// [`ResponseCache::open`] with the clock that entries are stored and expire by.
    pub(crate) fn open_with_clock(
        options: &CacheOptions,
        clock: Arc<dyn Clock>,
    ) -> crate::Result<ResponseCache> {
        let max_entries = options.max_entries_or_default();
        let (memory, disk) = match &options.location {
            Location::Memory => (MemoryLayer::new(max_entries, options.max_bytes), None),
            Location::Disk(dir) => {
                let expired_before =
                    unix_millis(clock.now()).saturating_sub(ttl_millis(options.ttl));
                let store = DiskStore::open(dir, max_entries, options.max_bytes, expired_before)?;
                (
                    MemoryLayer::new(max_entries.min(DISK_FRONT_ENTRIES), options.max_bytes),
                    Some(store),
                )
            }
        };
        Ok(ResponseCache {
            inner: Arc::new(Inner {
                options: options.clone(),
                clock,
                memory: Mutex::new(memory),
                disk,
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
                skipped: AtomicU64::new(0),
                tokens_saved: AtomicU64::new(0),
                nanos_saved: AtomicU64::new(0),
            }),
        })
    }

    /// The key of a request to look up and store under, or `None` when the request must not be
    /// cached: it is sampled (temperature above 0, or `None`, the model's default, which is above
    /// 0 for every workshop model) and the options do not ask for sampled requests. `None`
    /// counts as skipped.
    ///
    /// `request` is the whole request as sent (messages, system, inference and tool
    /// configuration), never its headers or credentials; `model_id` the resolved id.
    pub(crate) fn key(
        &self,
        operation: &str,
        model_id: &str,
        request: &Value,
        temperature: Option<f32>,
    ) -> Option<CacheKey> {
        let deterministic = temperature == Some(0.0);
        if !deterministic && !self.inner.options.cache_sampled {
            self.inner.skipped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(CacheKey::new(operation, model_id, request))
    }

    /// The fresh reply stored under `key`, counted as a hit, or `None`, counted as a miss
    /// (expired and unreadable entries are dropped on the way).
    ///
    /// The reply says `from_cache`; its `latency` is the lookup's, its streaming timings and cost
    /// are cleared (no call was made and nothing was paid). The original latency goes to
    /// [`CacheStats::seconds_saved`].
    pub(crate) fn get(&self, key: &CacheKey) -> Option<Reply> {
        let started = Instant::now();
        let now = unix_millis(self.inner.clock.now());
        let found = self.lookup(key, now);
        let Some(mut reply) = found else {
            self.inner.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        let inner = &self.inner;
        inner.hits.fetch_add(1, Ordering::Relaxed);
        let tokens = u64::from(reply.usage.prompt()) + u64::from(reply.usage.output);
        inner.tokens_saved.fetch_add(tokens, Ordering::Relaxed);
        let nanos = u64::try_from(reply.latency.as_nanos()).unwrap_or(u64::MAX);
        inner.nanos_saved.fetch_add(nanos, Ordering::Relaxed);
        reply.from_cache = true;
        reply.time_to_first_token = None;
        reply.tokens_per_second = None;
        reply.cost = None;
        reply.latency = started.elapsed();
        Some(reply)
    }

    /// The fresh stored reply, from memory first, then from disk (kept in memory for next time).
    fn lookup(&self, key: &CacheKey, now: u64) -> Option<Reply> {
        let ttl = ttl_millis(self.inner.options.ttl);
        let fresh = |stored_at: u64| now.saturating_sub(stored_at) < ttl;
        {
            let mut memory = self.memory();
            match memory.get(key) {
                Some((reply, stored_at)) if fresh(stored_at) => {
                    let reply = reply.clone();
                    drop(memory);
                    // The file's eviction order must see hits the memory layer answered too.
                    if let Some(disk) = &self.inner.disk {
                        disk.touch(*key);
                    }
                    return Some(reply);
                }
                Some(_) => memory.remove(key),
                None => {}
            }
        }
        let disk = self.inner.disk.as_ref()?;
        match disk.get(key) {
            Ok(Lookup::Found {
                reply,
                stored_at,
                bytes,
            }) if fresh(stored_at) => {
                self.memory()
                    .insert(*key, (*reply).clone(), stored_at, bytes);
                Some(*reply)
            }
            Ok(Lookup::Found { .. }) => {
                self.drop_from_disk(disk, key, "expired");
                None
            }
            Ok(Lookup::Corrupt) => {
                tracing::warn!(key = %key.to_hex(), path = %disk.path().display(), "response cache: unreadable entry dropped");
                self.drop_from_disk(disk, key, "unreadable");
                None
            }
            Ok(Lookup::Missing) => None,
            Err(error) => {
                tracing::warn!(path = %disk.path().display(), %error, "response cache: lookup failed, calling the model");
                None
            }
        }
    }

    fn drop_from_disk(&self, disk: &DiskStore, key: &CacheKey, why: &str) {
        if let Err(error) = disk.remove(key) {
            tracing::warn!(path = %disk.path().display(), %error, why, "response cache: entry not removed");
        }
    }

    /// Keeps `reply` under `key`. Never fails the call: a disk error is logged and the reply
    /// kept in memory.
    ///
    /// Only answers belong here: an error cannot be passed (the call paths store a reply only
    /// when the call succeeded), and a reply without a stop reason, the partial answer of a
    /// broken stream, is refused and counted as skipped.
    pub(crate) fn put(&self, key: &CacheKey, reply: &Reply) {
        if reply.stop_reason.is_empty() {
            self.inner.skipped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut reply = reply.clone();
        reply.from_cache = false;
        let json = match serde_json::to_vec(&reply) {
            Ok(json) => json,
            Err(error) => {
                tracing::warn!(key = %key.to_hex(), %error, "response cache: reply not serialisable, not cached");
                return;
            }
        };
        let stored_at = unix_millis(self.inner.clock.now());
        if let Some(disk) = &self.inner.disk {
            match disk.put(key, &json, stored_at) {
                Ok(evicted) => {
                    let mut memory = self.memory();
                    for old in &evicted {
                        memory.remove(old);
                    }
                }
                Err(error) => {
                    tracing::warn!(path = %disk.path().display(), %error, "response cache: reply kept in memory only");
                }
            }
        }
        self.memory()
            .insert(*key, reply, stored_at, json.len() as u64);
    }

    /// What the cache has done so far and what it holds.
    pub(crate) fn stats(&self) -> CacheStats {
        let inner = &self.inner;
        let (entries, bytes, location) = match &inner.disk {
            Some(disk) => {
                let (entries, bytes) = disk.counts();
                (entries, bytes, disk.path().display().to_string())
            }
            None => {
                let memory = self.memory();
                (memory.len(), memory.bytes(), "memory".to_string())
            }
        };
        CacheStats {
            hits: inner.hits.load(Ordering::Relaxed),
            misses: inner.misses.load(Ordering::Relaxed),
            skipped: inner.skipped.load(Ordering::Relaxed),
            tokens_saved: inner.tokens_saved.load(Ordering::Relaxed),
            seconds_saved: Duration::from_nanos(inner.nanos_saved.load(Ordering::Relaxed))
                .as_secs_f64(),
            entries,
            bytes,
            location,
        }
    }

    /// Drops every entry, in memory and on disk; the counts of hits and misses stay.
    pub(crate) fn clear(&self) -> crate::Result<()> {
        self.memory().clear();
        if let Some(disk) = &self.inner.disk {
            disk.clear().map_err(|error| Error::ResponseCache {
                path: disk.path().to_path_buf(),
                reason: format!("cannot clear it ({error}): delete the file to empty the cache"),
            })?;
        }
        Ok(())
    }

    /// The memory layer; a thread that panicked holding it left a consistent map (every change
    /// is one call), so the poison is ignored.
    fn memory(&self) -> MutexGuard<'_, MemoryLayer> {
        self.inner
            .memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use std::time::SystemTime;

    use serde_json::json;

    use super::*;
    use crate::reply::Usage;

    /// A clock that moves only when told to.
    #[derive(Debug)]
    struct ManualClock(Mutex<SystemTime>);

    impl ManualClock {
        fn new() -> Arc<ManualClock> {
            Arc::new(ManualClock(Mutex::new(
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            )))
        }

        fn advance(&self, by: Duration) {
            *self.0.lock().unwrap() += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
    }

    fn reply(text: &str) -> Reply {
        Reply {
            text: text.into(),
            stop_reason: "end_turn".into(),
            usage: Usage {
                input: 10,
                output: 20,
                total: 30,
                cache_read: 5,
                ..Usage::default()
            },
            latency: Duration::from_millis(1500),
            time_to_first_token: Some(Duration::from_millis(300)),
            tokens_per_second: Some(40.0),
            model_id: "amazon.nova-micro-v1:0".into(),
            request_id: Some("req-1".into()),
            ..Reply::default()
        }
    }

    fn request(prompt: &str) -> Value {
        json!({"messages": [{"role": "user", "content": [{"text": prompt}]}],
               "inferenceConfig": {"temperature": 0.0}})
    }

    fn key_for(cache: &ResponseCache, prompt: &str) -> CacheKey {
        cache
            .key(
                "converse",
                "amazon.nova-micro-v1:0",
                &request(prompt),
                Some(0.0),
            )
            .unwrap()
    }

    #[test]
    fn a_stored_reply_is_a_hit_marked_from_the_cache() {
        let cache = ResponseCache::open(&CacheOptions::in_memory()).unwrap();
        let key = key_for(&cache, "hello");
        cache.put(&key, &reply("Hi there."));
        let hit = cache.get(&key).expect("hit");
        assert_eq!(hit.text, "Hi there.");
        assert_eq!(hit.request_id.as_deref(), Some("req-1"));
        assert!(hit.from_cache);
        assert!(
            hit.latency < Duration::from_millis(100),
            "{:?}",
            hit.latency
        );
        assert_eq!(
            (hit.time_to_first_token, hit.tokens_per_second),
            (None, None)
        );
        assert!(hit.cost.is_none());
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.skipped), (1, 0, 0));
        assert_eq!(stats.tokens_saved, 35); // 10 in + 5 read from the prompt cache + 20 out
        assert!(
            (stats.seconds_saved - 1.5).abs() < 1e-9,
            "{}",
            stats.seconds_saved
        );
        assert_eq!(stats.entries, 1);
        assert!(stats.bytes > 0);
        assert_eq!(stats.location, "memory");
    }

    #[test]
    fn an_unknown_request_is_a_miss() {
        let cache = ResponseCache::open(&CacheOptions::in_memory()).unwrap();
        cache.put(&key_for(&cache, "hello"), &reply("Hi."));
        assert!(cache.get(&key_for(&cache, "goodbye")).is_none());
        let other_model = cache
            .key(
                "converse",
                "amazon.nova-pro-v1:0",
                &request("hello"),
                Some(0.0),
            )
            .unwrap();
        assert!(cache.get(&other_model).is_none());
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.tokens_saved), (0, 2, 0));
    }

    #[test]
    fn the_same_request_with_fields_in_another_order_hits() {
        let cache = ResponseCache::open(&CacheOptions::in_memory()).unwrap();
        let written = json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}],
                             "inferenceConfig": {"temperature": 0.0, "maxTokens": 100}});
        let reordered = json!({"inferenceConfig": {"maxTokens": 100, "temperature": 0.0},
                               "messages": [{"content": [{"text": "hi"}], "role": "user"}]});
        let key = cache.key("converse", "m", &written, Some(0.0)).unwrap();
        cache.put(&key, &reply("Hello."));
        let again = cache.key("converse", "m", &reordered, Some(0.0)).unwrap();
        assert_eq!(cache.get(&again).unwrap().text, "Hello.");
    }

    #[test]
    fn an_entry_expires_after_its_ttl_and_is_removed() {
        let clock = ManualClock::new();
        let options = CacheOptions::in_memory().ttl(Duration::from_secs(60));
        let cache = ResponseCache::open_with_clock(&options, clock.clone()).unwrap();
        let key = key_for(&cache, "hello");
        cache.put(&key, &reply("Hi."));
        clock.advance(Duration::from_secs(59));
        assert!(cache.get(&key).is_some(), "still fresh at 59 s");
        clock.advance(Duration::from_secs(1));
        assert!(cache.get(&key).is_none(), "expired at 60 s");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 0));
    }

    #[test]
    fn past_max_entries_the_least_recently_used_reply_is_evicted() {
        let cache = ResponseCache::open(&CacheOptions::in_memory().max_entries(2)).unwrap();
        let (a, b, c) = (
            key_for(&cache, "a"),
            key_for(&cache, "b"),
            key_for(&cache, "c"),
        );
        cache.put(&a, &reply("A"));
        cache.put(&b, &reply("B"));
        assert!(cache.get(&a).is_some()); // b is now the least recently used
        cache.put(&c, &reply("C"));
        assert!(cache.get(&b).is_none(), "b was evicted");
        assert_eq!(cache.get(&a).unwrap().text, "A");
        assert_eq!(cache.get(&c).unwrap().text, "C");
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn sampled_requests_are_skipped_unless_asked_for() {
        let cache = ResponseCache::open(&CacheOptions::in_memory()).unwrap();
        let body = request("hello");
        assert!(cache.key("converse", "m", &body, Some(0.7)).is_none());
        assert!(
            cache.key("converse", "m", &body, None).is_none(),
            "no temperature is the model's default, which samples"
        );
        assert!(cache.key("converse", "m", &body, Some(0.0)).is_some());
        assert_eq!(cache.stats().skipped, 2);

        let sampled = ResponseCache::open(&CacheOptions::in_memory().cache_sampled(true)).unwrap();
        let key = sampled.key("converse", "m", &body, Some(0.7)).unwrap();
        assert!(sampled.key("converse", "m", &body, None).is_some());
        sampled.put(&key, &reply("Sampled."));
        assert_eq!(sampled.get(&key).unwrap().text, "Sampled.");
        assert_eq!(sampled.stats().skipped, 0);
    }

    /// What the call paths do with an outcome: only `Ok` reaches `put`.
    fn store_outcome(cache: &ResponseCache, key: &CacheKey, outcome: &crate::Result<Reply>) {
        if let Ok(reply) = outcome {
            cache.put(key, reply);
        }
    }

    #[test]
    fn errors_and_partial_replies_are_never_cached() {
        let cache = ResponseCache::open(&CacheOptions::in_memory()).unwrap();
        let key = key_for(&cache, "hello");
        let failed: crate::Result<Reply> = Err(Error::Throttled {
            model: "m".into(),
            code: "ThrottlingException".into(),
            attempts: 3,
            message: "slow down".into(),
            request_id: None,
            source: None,
        });
        store_outcome(&cache, &key, &failed);
        // A broken stream's partial answer has no stop reason: even handed over, it is refused.
        let interrupted = Error::StreamInterrupted {
            model: "m".into(),
            code: "Timeout".into(),
            message: "stream stalled".into(),
            partial: Box::new(Reply {
                stop_reason: String::new(),
                ..reply("Half an ans")
            }),
        };
        cache.put(&key, interrupted.partial_reply().unwrap());
        assert!(cache.get(&key).is_none());
        let stats = cache.stats();
        assert_eq!((stats.skipped, stats.entries, stats.misses), (1, 0, 1));

        store_outcome(&cache, &key, &Ok(reply("Whole answer.")));
        assert_eq!(cache.get(&key).unwrap().text, "Whole answer.");
    }

    #[test]
    fn a_disk_cache_answers_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let options = CacheOptions::on_disk(dir.path());
        let request = request("hello");
        {
            let cache = ResponseCache::open(&options).unwrap();
            let key = cache.key("converse", "m", &request, Some(0.0)).unwrap();
            cache.put(&key, &reply("Remembered."));
        }
        let cache = ResponseCache::open(&options).unwrap();
        let key = cache.key("converse", "m", &request, Some(0.0)).unwrap();
        let hit = cache.get(&key).expect("hit after reopening");
        assert_eq!(hit.text, "Remembered.");
        assert!(hit.from_cache);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.entries), (1, 1));
        let file = dir.path().join("responses.redb");
        assert_eq!(stats.location, file.display().to_string());
        assert!(file.is_file());
    }

    #[test]
    fn a_disk_entry_expires_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new();
        let options = CacheOptions::on_disk(dir.path()).ttl(Duration::from_secs(60));
        let (old, young) = {
            let cache = ResponseCache::open_with_clock(&options, clock.clone()).unwrap();
            let old = key_for(&cache, "old");
            cache.put(&old, &reply("Old."));
            clock.advance(Duration::from_secs(30));
            let young = key_for(&cache, "young");
            cache.put(&young, &reply("Young."));
            (old, young)
        };
        clock.advance(Duration::from_secs(40)); // old is 70 s old, young 40 s
        let cache = ResponseCache::open_with_clock(&options, clock.clone()).unwrap();
        assert_eq!(
            cache.stats().entries,
            1,
            "the expired entry is dropped on open"
        );
        assert!(cache.get(&old).is_none());
        assert_eq!(cache.get(&young).unwrap().text, "Young.");
        clock.advance(Duration::from_secs(20)); // young is 60 s old: expired, from memory and disk
        assert!(cache.get(&young).is_none());
        assert_eq!(cache.stats().entries, 0);
    }

    #[test]
    fn the_disk_layer_evicts_the_least_recently_used_and_keeps_the_order_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let options = CacheOptions::on_disk(dir.path()).max_entries(2);
        let (a, b) = {
            let cache = ResponseCache::open(&options).unwrap();
            let (a, b) = (key_for(&cache, "a"), key_for(&cache, "b"));
            cache.put(&a, &reply("A"));
            cache.put(&b, &reply("B"));
            assert!(cache.get(&a).is_some()); // b is now the least recently used
            (a, b)
        };
        let cache = ResponseCache::open(&options).unwrap();
        let c = key_for(&cache, "c");
        cache.put(&c, &reply("C"));
        assert!(cache.get(&b).is_none(), "b was evicted");
        assert_eq!(cache.get(&a).unwrap().text, "A");
        assert_eq!(cache.get(&c).unwrap().text, "C");
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn the_disk_byte_bound_evicts() {
        let dir = tempfile::tempdir().unwrap();
        let size = serde_json::to_vec(&reply(&"x".repeat(1000))).unwrap().len() as u64;
        let options = CacheOptions::on_disk(dir.path()).max_bytes(size * 3 + size / 2);
        let cache = ResponseCache::open(&options).unwrap();
        let keys: Vec<CacheKey> = (0..5).map(|n| key_for(&cache, &n.to_string())).collect();
        for key in &keys {
            cache.put(key, &reply(&"x".repeat(1000)));
        }
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.bytes), (3, size * 3));
        assert!(cache.get(&keys[1]).is_none());
        assert!(cache.get(&keys[2]).is_some());
    }

    #[test]
    fn a_second_open_of_a_disk_cache_in_use_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let options = CacheOptions::on_disk(dir.path());
        let first = ResponseCache::open(&options).unwrap();
        let error = ResponseCache::open(&options).unwrap_err();
        let file = dir.path().join("responses.redb");
        match &error {
            Error::ResponseCache { path, .. } => assert_eq!(path, &file),
            other => panic!("expected a ResponseCache error, got {other:?}"),
        }
        let text = error.to_string();
        assert!(
            text.starts_with(&format!(
                "cannot use the response cache {}: ",
                file.display()
            )),
            "{text}"
        );
        assert!(
            text.contains("another kernel or handle has it open"),
            "{text}"
        );
        assert!(text.contains("another directory"), "{text}");
        drop(first);
        assert!(
            ResponseCache::open(&options).is_ok(),
            "free again once the first is dropped"
        );
    }

    #[test]
    fn a_file_that_is_not_a_cache_is_refused_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("responses.redb"), vec![0x5a; 8192]).unwrap();
        let error = ResponseCache::open(&CacheOptions::on_disk(dir.path())).unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, Error::ResponseCache { .. }), "{error:?}");
        assert!(text.contains("delete it to start an empty cache"), "{text}");
    }

    #[test]
    fn an_unreadable_disk_entry_is_dropped_as_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let options = CacheOptions::on_disk(dir.path());
        let cache = ResponseCache::open(&options).unwrap();
        let key = key_for(&cache, "hello");
        let disk = cache.inner.disk.as_ref().unwrap();
        disk.put(&key, b"{not a reply", 0).unwrap();
        assert!(cache.get(&key).is_none());
        assert_eq!(cache.stats().entries, 0);
        assert_eq!(cache.stats().misses, 1);
    }

    #[test]
    fn clear_empties_memory_and_disk_and_keeps_the_counts() {
        let dir = tempfile::tempdir().unwrap();
        let options = CacheOptions::on_disk(dir.path());
        let cache = ResponseCache::open(&options).unwrap();
        let key = key_for(&cache, "hello");
        cache.put(&key, &reply("Hi."));
        assert!(cache.get(&key).is_some());
        cache.clear().unwrap();
        assert!(cache.get(&key).is_none());
        let stats = cache.stats();
        assert_eq!(
            (stats.entries, stats.bytes, stats.hits, stats.misses),
            (0, 0, 1, 1)
        );
        drop(cache);
        assert_eq!(ResponseCache::open(&options).unwrap().stats().entries, 0);
    }

    #[test]
    fn a_mostly_empty_file_shrinks_when_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("responses.redb");
        let cache = ResponseCache::open(&CacheOptions::on_disk(dir.path())).unwrap();
        let keys: Vec<CacheKey> = (0..600).map(|n| key_for(&cache, &n.to_string())).collect();
        for key in &keys {
            cache.put(key, &reply(&"x".repeat(20_000)));
        }
        drop(cache);
        let full = std::fs::metadata(&file).unwrap().len();
        // A smaller bound evicts the oldest 590 on open; the youngest 10 sit at the file's end,
        // so only compaction gives the space back.
        let cache =
            ResponseCache::open(&CacheOptions::on_disk(dir.path()).max_entries(10)).unwrap();
        let compacted = std::fs::metadata(&file).unwrap().len();
        assert!(compacted < full / 4, "{full} -> {compacted}");
        assert_eq!(cache.stats().entries, 10);
        assert!(cache.get(&keys[599]).is_some());
        assert!(cache.get(&keys[0]).is_none());
    }

    fn two_threads_share_the_cache(cache: &ResponseCache) {
        let keys: Vec<CacheKey> = (0..1000)
            .map(|n| key_for(cache, &format!("prompt {n}")))
            .collect();
        std::thread::scope(|scope| {
            for half in keys.chunks(500) {
                let cache = cache.clone();
                scope.spawn(move || {
                    for (n, key) in half.iter().enumerate() {
                        assert!(cache.get(key).is_none());
                        cache.put(key, &reply(&format!("answer {n}")));
                        assert_eq!(cache.get(key).unwrap().text, format!("answer {n}"));
                    }
                });
            }
        });
        let stats = cache.stats();
        assert_eq!(
            (stats.hits, stats.misses, stats.entries),
            (1000, 1000, 1000)
        );
        assert_eq!(stats.tokens_saved, 1000 * 35);
    }

    #[test]
    fn two_threads_can_use_one_memory_cache() {
        let cache = ResponseCache::open(&CacheOptions::in_memory()).unwrap();
        two_threads_share_the_cache(&cache);
    }

    #[test]
    fn two_threads_can_use_one_disk_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResponseCache::open(&CacheOptions::on_disk(dir.path())).unwrap();
        two_threads_share_the_cache(&cache);
    }

    #[test]
    fn the_cache_is_send_sync_and_clones_share_it() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<ResponseCache>();
        let cache = ResponseCache::open(&CacheOptions::in_memory()).unwrap();
        let clone = cache.clone();
        let key = key_for(&cache, "hello");
        cache.put(&key, &reply("Shared."));
        assert_eq!(clone.get(&key).unwrap().text, "Shared.");
        assert_eq!(cache.stats().hits, 1);
    }
}
