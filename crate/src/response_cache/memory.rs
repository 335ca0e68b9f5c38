//! The memory layer: replies by key, least recently used evicted first.

use std::collections::{BTreeMap, HashMap};

use super::key::CacheKey;
use crate::reply::Reply;

/// One reply in memory.
#[derive(Debug)]
struct MemoryEntry {
    reply: Reply,
    /// When the reply was stored (Unix milliseconds), which its TTL counts from.
    stored_at: u64,
    /// Its place in `recency`.
    last_use: u64,
    /// Its serialised size, what the byte bound counts.
    bytes: u64,
}

/// An LRU map of replies bounded in entries and bytes.
///
/// Recency is a counter, not a time, so two uses in the same millisecond still have an order.
#[derive(Debug)]
pub(crate) struct MemoryLayer {
    entries: HashMap<CacheKey, MemoryEntry>,
    recency: BTreeMap<u64, CacheKey>,
    next_use: u64,
    bytes: u64,
    max_entries: usize,
    max_bytes: u64,
}

impl MemoryLayer {
    pub(crate) fn new(max_entries: usize, max_bytes: u64) -> Self {
        MemoryLayer {
            entries: HashMap::new(),
            recency: BTreeMap::new(),
            next_use: 0,
            bytes: 0,
            max_entries,
            max_bytes,
        }
    }

    /// The reply and the time it was stored, marked as just used.
    pub(crate) fn get(&mut self, key: &CacheKey) -> Option<(&Reply, u64)> {
        let use_now = self.next_use;
        let entry = self.entries.get_mut(key)?;
        self.next_use += 1;
        self.recency.remove(&entry.last_use);
        self.recency.insert(use_now, *key);
        entry.last_use = use_now;
        Some((&entry.reply, entry.stored_at))
    }

    /// Keeps `reply` (replacing an older one under the same key) and evicts the least recently
    /// used entries past the bounds; returns the keys evicted. A reply larger than the byte bound
    /// on its own is not kept.
    pub(crate) fn insert(
        &mut self,
        key: CacheKey,
        reply: Reply,
        stored_at: u64,
        bytes: u64,
    ) -> Vec<CacheKey> {
        self.remove(&key);
        if self.max_entries == 0 || bytes > self.max_bytes {
            return Vec::new();
        }
        let last_use = self.next_use;
        self.next_use += 1;
        self.recency.insert(last_use, key);
        self.bytes += bytes;
        self.entries.insert(
            key,
            MemoryEntry {
                reply,
                stored_at,
                last_use,
                bytes,
            },
        );
        let mut evicted = Vec::new();
        while self.entries.len() > self.max_entries || self.bytes > self.max_bytes {
            let Some((_, oldest)) = self.recency.pop_first() else {
                break;
            };
            if let Some(entry) = self.entries.remove(&oldest) {
                self.bytes -= entry.bytes;
            }
            evicted.push(oldest);
        }
        evicted
    }

    pub(crate) fn remove(&mut self, key: &CacheKey) {
        if let Some(entry) = self.entries.remove(key) {
            self.recency.remove(&entry.last_use);
            self.bytes -= entry.bytes;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.recency.clear();
        self.bytes = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests state expectations
mod tests {
    use super::*;

    fn key(n: u8) -> CacheKey {
        CacheKey([n; 32])
    }

    fn reply(text: &str) -> Reply {
        Reply {
            text: text.into(),
            stop_reason: "end_turn".into(),
            ..Reply::default()
        }
    }

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let mut layer = MemoryLayer::new(2, u64::MAX);
        layer.insert(key(1), reply("one"), 0, 10);
        layer.insert(key(2), reply("two"), 0, 10);
        assert!(layer.get(&key(1)).is_some()); // 2 is now the least recently used
        assert_eq!(layer.insert(key(3), reply("three"), 0, 10), vec![key(2)]);
        assert!(layer.get(&key(2)).is_none());
        assert_eq!(layer.get(&key(1)).unwrap().0.text, "one");
        assert_eq!(layer.get(&key(3)).unwrap().0.text, "three");
        assert_eq!((layer.len(), layer.bytes()), (2, 20));
    }

    #[test]
    fn the_byte_bound_evicts_and_an_oversized_reply_is_not_kept() {
        let mut layer = MemoryLayer::new(100, 25);
        layer.insert(key(1), reply("one"), 0, 10);
        layer.insert(key(2), reply("two"), 0, 10);
        assert_eq!(layer.insert(key(3), reply("three"), 0, 10), vec![key(1)]);
        assert_eq!((layer.len(), layer.bytes()), (2, 20));
        assert!(layer.insert(key(4), reply("huge"), 0, 26).is_empty());
        assert!(layer.get(&key(4)).is_none());
        assert_eq!(layer.len(), 2);
    }

    #[test]
    fn replacing_an_entry_counts_it_once() {
        let mut layer = MemoryLayer::new(10, u64::MAX);
        layer.insert(key(1), reply("old"), 0, 10);
        layer.insert(key(1), reply("new"), 5, 7);
        assert_eq!((layer.len(), layer.bytes()), (1, 7));
        let (found, stored_at) = layer.get(&key(1)).unwrap();
        assert_eq!((found.text.as_str(), stored_at), ("new", 5));
        layer.clear();
        assert_eq!((layer.len(), layer.bytes()), (0, 0));
    }
}
