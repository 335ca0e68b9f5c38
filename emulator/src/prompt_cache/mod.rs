//! Bedrock's prompt cache, locally: where a request's `cachePoint` blocks sit and what the
//! prefix before each one is ([`prefix`]), and the entries earlier requests wrote ([`store`]).
//!
//! The rules a request must follow (how many checkpoints, which TTLs, which sections) are not
//! here: they are `bedrock_catalog::prompt_cache::check`, the definition the support crate
//! applies too. What this module adds is what Bedrock does with an accepted request:
//!
//! - a checkpoint counts only when the prefix grew by at least the model's `min_tokens` since
//!   the previous counted checkpoint (tools → system → messages, counted as `usage` counts);
//!   one before that is accepted and not cached;
//! - entries are keyed by the caller (access key, or bearer token), the model's base id and the
//!   exact prefix (a SHA-256 of its content, with object keys in a canonical order);
//! - the longest cached prefix is read and its TTL restarts; the rest up to the last counted
//!   checkpoint is written, each checkpoint's part with that checkpoint's TTL.
//!
//! Only requests that carry a `cachePoint` are hashed: a request without one costs a scan of its
//! blocks' keys.

mod prefix;
mod store;

pub(crate) use prefix::{Checkpoint, checkpoints};
pub(crate) use store::{CacheStore, CacheUsage};
