//! The prompt-cache entries written so far, and what one request reads from and writes to them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bedrock_catalog::prompt_cache::CacheTtl;

use super::prefix::{Checkpoint, PrefixDigest};
use crate::clock::Clock;

/// Entries kept at most; past it, expired entries go first, then the one closest to expiring.
/// A bound on memory for a long-running endpoint, far above what a test or a notebook writes.
const MAX_ENTRIES: usize = 100_000;

/// The cache numbers of one request's `usage`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CacheUsage {
    /// `cacheReadInputTokens`: the longest cached prefix.
    pub read: u32,
    /// `cacheWriteInputTokens`: the rest up to the last counted checkpoint.
    pub write: u32,
    /// `cacheDetails`: tokens written per TTL, the longer TTL first (empty without writes).
    pub written: Vec<(CacheTtl, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    /// The caller: an access key id, or a digest of a bearer token.
    identity: String,
    /// The model's base id (a profile and the bare id share entries).
    model: String,
    digest: PrefixDigest,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    ttl: CacheTtl,
    expires: Duration,
}

/// Every entry of an endpoint, aged by its [`Clock`].
#[derive(Debug)]
pub(crate) struct CacheStore {
    entries: Mutex<HashMap<Key, Entry>>,
    clock: Clock,
}

impl CacheStore {
    /// An empty cache whose entries age by `clock`.
    pub(crate) fn new(clock: Clock) -> Self {
        CacheStore {
            entries: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// Read and write for one accepted request of `identity` to `model`, whose checkpoints
    /// (already judged by `check`) are `checkpoints`, on a model caching from `min_tokens`.
    pub(crate) fn apply(
        &self,
        identity: &str,
        model: &str,
        min_tokens: u32,
        checkpoints: &[Checkpoint],
    ) -> CacheUsage {
        let counted = counted(checkpoints, min_tokens);
        let Some(last) = counted.last() else {
            return CacheUsage::default();
        };
        let key = |c: &Checkpoint| Key {
            identity: identity.to_string(),
            model: model.to_string(),
            digest: c.digest,
        };
        let now = self.clock.now();
        // A panic elsewhere cannot leave an entry half-written: each is replaced whole.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut hit = None;
        for (i, checkpoint) in counted.iter().enumerate().rev() {
            let key = key(checkpoint);
            match entries.get_mut(&key) {
                Some(entry) if entry.expires > now => {
                    entry.expires = now + entry.ttl.duration();
                    hit = Some(i);
                    break;
                }
                Some(_) => {
                    entries.remove(&key);
                }
                None => {}
            }
        }
        let read = hit.map_or(0, |i| counted[i].prefix_tokens);
        let mut written: Vec<(CacheTtl, u32)> = Vec::new();
        let mut from = read;
        for checkpoint in &counted[hit.map_or(0, |i| i + 1)..] {
            let ttl = checkpoint.point.ttl;
            let part = checkpoint.prefix_tokens.saturating_sub(from);
            match written.iter_mut().find(|(t, _)| *t == ttl) {
                Some((_, tokens)) => *tokens = tokens.saturating_add(part),
                None => written.push((ttl, part)),
            }
            from = checkpoint.prefix_tokens;
            make_room(&mut entries, now);
            let expires = now + ttl.duration();
            entries.insert(key(checkpoint), Entry { ttl, expires });
        }
        // Bedrock lists the details longest TTL first.
        written.sort_by_key(|(ttl, _)| std::cmp::Reverse(*ttl));
        CacheUsage {
            read,
            write: last.prefix_tokens.saturating_sub(read),
            written,
        }
    }
}

/// The checkpoints that are cached: each must add at least `min_tokens` to the prefix of the
/// previous counted one (AWS: "the first cache checkpoint can be defined after 1,024 tokens and
/// the second after 2,048"). The others are accepted and do nothing.
fn counted(checkpoints: &[Checkpoint], min_tokens: u32) -> Vec<&Checkpoint> {
    let mut counted = Vec::new();
    let mut covered = 0u32;
    for checkpoint in checkpoints {
        if checkpoint.prefix_tokens.saturating_sub(covered) >= min_tokens.max(1) {
            covered = checkpoint.prefix_tokens;
            counted.push(checkpoint);
        }
    }
    counted
}

fn make_room(entries: &mut HashMap<Key, Entry>, now: Duration) {
    if entries.len() < MAX_ENTRIES {
        return;
    }
    entries.retain(|_, e| e.expires > now);
    if entries.len() >= MAX_ENTRIES {
        let soonest = entries
            .iter()
            .min_by_key(|(_, e)| e.expires)
            .map(|(k, _)| k.clone());
        if let Some(key) = soonest {
            entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_catalog::prompt_cache::{CachePoint, CacheSection};

    const MIN: u32 = 1000;

    fn checkpoint(tokens: u32, ttl: CacheTtl, digest: u8) -> Checkpoint {
        Checkpoint {
            point: CachePoint::new(CacheSection::Messages, Some(ttl)),
            prefix_tokens: tokens,
            digest: [digest; 32],
        }
    }

    fn five(tokens: u32, digest: u8) -> Checkpoint {
        checkpoint(tokens, CacheTtl::FiveMinutes, digest)
    }

    fn usage(read: u32, write: u32, written: &[(CacheTtl, u32)]) -> CacheUsage {
        CacheUsage {
            read,
            write,
            written: written.to_vec(),
        }
    }

    #[test]
    fn the_first_request_writes_and_the_same_prefix_then_reads() {
        let store = CacheStore::new(Clock::manual());
        let points = [five(1500, 1)];
        let first = store.apply("AKIA1", "m", MIN, &points);
        assert_eq!(first, usage(0, 1500, &[(CacheTtl::FiveMinutes, 1500)]));
        let second = store.apply("AKIA1", "m", MIN, &points);
        assert_eq!(second, usage(1500, 0, &[]));
    }

    #[test]
    fn a_checkpoint_below_the_minimum_is_not_cached() {
        let store = CacheStore::new(Clock::manual());
        for _ in 0..2 {
            assert_eq!(
                store.apply("AKIA1", "m", MIN, &[five(999, 1)]),
                CacheUsage::default()
            );
        }
    }

    #[test]
    fn each_counted_checkpoint_adds_the_minimum_to_the_previous_one() {
        let store = CacheStore::new(Clock::manual());
        // 1500 counts; 2000 adds only 500; 2600 adds 1100 to 1500 and counts.
        let points = [five(1500, 1), five(2000, 2), five(2600, 3)];
        let first = store.apply("AKIA1", "m", MIN, &points);
        assert_eq!(first, usage(0, 2600, &[(CacheTtl::FiveMinutes, 2600)]));
        // The 2000 checkpoint wrote nothing: a request ending there reads only the 1500 prefix.
        let shorter = store.apply("AKIA1", "m", MIN, &[five(1500, 1), five(2000, 2)]);
        assert_eq!(shorter, usage(1500, 0, &[]));
    }

    #[test]
    fn the_longest_cached_prefix_is_read_and_the_rest_written_per_ttl_longest_first() {
        let store = CacheStore::new(Clock::manual());
        store.apply("AKIA1", "m", MIN, &[checkpoint(1200, CacheTtl::OneHour, 1)]);
        let points = [
            checkpoint(1200, CacheTtl::OneHour, 1),
            checkpoint(2500, CacheTtl::OneHour, 2),
            five(4000, 3),
        ];
        let grown = store.apply("AKIA1", "m", MIN, &points);
        assert_eq!(
            grown,
            usage(
                1200,
                2800,
                &[(CacheTtl::OneHour, 1300), (CacheTtl::FiveMinutes, 1500)]
            ),
            "1h from 1200 to 2500, 5m from 2500 to 4000"
        );
        assert_eq!(store.apply("AKIA1", "m", MIN, &points), usage(4000, 0, &[]));
    }

    #[test]
    fn an_entry_expires_after_its_ttl_and_each_hit_restarts_it() {
        let clock = Clock::manual();
        let store = CacheStore::new(clock.clone());
        let points = [five(1500, 1)];
        store.apply("AKIA1", "m", MIN, &points);
        clock.advance(Duration::from_secs(4 * 60));
        assert_eq!(store.apply("AKIA1", "m", MIN, &points).read, 1500);
        // Eight minutes after the write, but four after the hit: still cached.
        clock.advance(Duration::from_secs(4 * 60));
        assert_eq!(store.apply("AKIA1", "m", MIN, &points).read, 1500);
        clock.advance(Duration::from_secs(5 * 60));
        let expired = store.apply("AKIA1", "m", MIN, &points);
        assert_eq!(expired, usage(0, 1500, &[(CacheTtl::FiveMinutes, 1500)]));
    }

    #[test]
    fn an_hour_entry_outlives_five_minutes() {
        let clock = Clock::manual();
        let store = CacheStore::new(clock.clone());
        let points = [checkpoint(1500, CacheTtl::OneHour, 1)];
        store.apply("AKIA1", "m", MIN, &points);
        clock.advance(Duration::from_secs(59 * 60));
        assert_eq!(store.apply("AKIA1", "m", MIN, &points).read, 1500);
    }

    #[test]
    fn callers_and_models_do_not_share_entries() {
        let store = CacheStore::new(Clock::manual());
        let points = [five(1500, 1)];
        store.apply("AKIA1", "m", MIN, &points);
        assert_eq!(store.apply("AKIA2", "m", MIN, &points).read, 0);
        assert_eq!(store.apply("AKIA1", "other", MIN, &points).read, 0);
        assert_eq!(store.apply("AKIA1", "m", MIN, &points).read, 1500);
    }
}
