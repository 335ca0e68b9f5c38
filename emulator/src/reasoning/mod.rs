//! Reasoning as Bedrock does it: Claude's extended thinking (turned on per request with a token
//! budget), DeepSeek-R1's reasoning by default, and the signatures that let a reasoning block
//! come back in a tool loop only unchanged.
//!
//! - [`mode`] reads a Converse request: `additionalModelRequestFields.thinking`, judged by
//!   `bedrock_catalog::thinking::check`, and the reasoning blocks of its history (a user message
//!   never carries one; DeepSeek-R1 takes none back; with thinking on, every block must carry the
//!   signature this endpoint gave it, and the assistant turn before a tool result must start with
//!   its reasoning).
//! - [`shape`] puts the reasoning block first in an answer that reasons (a scenario's
//!   `reasoning`, else a scripted one that says so), cut to the thinking budget.
//! - [`Signer`] signs and verifies reasoning text with a secret of this endpoint alone
//!   (HMAC-SHA256 over the model and the text, base64): a signature proves the block came from
//!   this endpoint for this model and was not changed, and says nothing about any credential.

mod request;
mod shape;
mod signature;

pub use request::{Mode, mode};
pub use shape::shape;
pub use signature::{Signatures, Signer};
