//! The client-side response cache: a repeated request is answered from memory or from a file
//! instead of calling the model again.
//!
//! Opt-in on a handle with [`CacheOptions`]; [`CacheStats`] says what it saved.
//!
//! - **Key**: SHA-256 over a format version, the operation (`converse`, `stream`, `invoke`), the
//!   resolved model id and the whole request as canonical JSON (object keys sorted at every
//!   depth), so the same request written with its fields in another order hits, and any other
//!   model id or field misses.
//! - **What is cached**: only answers. An error never reaches the cache (the call paths store a
//!   reply only on success, and a reply without a stop reason, the partial answer of a broken
//!   stream, is refused). A request with a temperature above zero, or none (the model's default,
//!   above zero for every model in the workshop), is sampled: asking again should give another
//!   answer, so it is cached only with [`CacheOptions::cache_sampled`].
//! - **Layers**: an LRU in memory, bounded in entries and bytes; with
//!   [`CacheOptions::on_disk`] also a redb file, `<dir>/responses.redb`, that outlives
//!   the kernel. Every entry expires a TTL after it was stored; the least recently used go first
//!   when a bound is reached.
//! - **Nothing secret**: an entry is the reply (text, content blocks, usage, ids); the request
//!   only enters as its hash, and headers and credentials never enter at all.
//! - **Nothing global**: the cache lives in the handle (evcxr gives every cell its own statics).

mod cache;
mod clock;
mod key;
mod memory;
mod options;
mod stats;
mod store;

pub(crate) use cache::ResponseCache;
pub use options::CacheOptions;
pub use stats::CacheStats;
