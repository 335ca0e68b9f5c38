//! Native InvokeModel bodies, one module per body family: each parses its request into the
//! parts of a [`Turn`](crate::turn::Turn) and renders a [`Reply`](crate::answer::Reply) as its
//! response and as its stream chunks.
//!
//! A body in another family's format fails the family's key check with a
//! `ValidationException` ("Malformed input request: #: extraneous key [...]").

mod anthropic;
mod completion;
mod deepseek;
mod llama;
mod mistral;
mod native;
mod nova;
mod schema;
mod titan;

pub use native::{Native, parse, render, stream_chunks};
