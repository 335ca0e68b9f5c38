//! InvokeModel: raw JSON bodies, and native bodies written and read per provider.
//!
//! Each provider file holds the two halves of one family's format: the body it expects and
//! how to read its answer into a [`Reply`](crate::Reply).

mod anthropic;
mod call;
mod deepseek;
mod llama;
mod mistral;
mod nova;
mod provider;
mod titan;

pub use provider::native_body;
