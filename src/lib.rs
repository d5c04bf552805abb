//! `gpt-image-edge`: call OpenAI's GPT Image 2 through Apiframe, GPTImage2.ai,
//! getimg.ai or OpenAI from a server route or an edge worker, and validate and
//! price requests in the browser without a key.
//!
//! This crate is the thin WebAssembly layer: it converts between JavaScript and
//! the pure core in [`gpt_image_core`], where all the logic lives and is tested
//! natively. Everything here compiles only for `wasm32`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use gpt_image_core as core;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(all(target_arch = "wasm32", feature = "client"))]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod convert;
#[cfg(target_arch = "wasm32")]
pub mod images;
#[cfg(all(target_arch = "wasm32", feature = "client"))]
pub mod io;
#[cfg(all(target_arch = "wasm32", feature = "route"))]
pub mod route;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(all(target_arch = "wasm32", feature = "client"))]
mod webhooks;
#[cfg(all(target_arch = "wasm32", feature = "client"))]
pub mod wire;

/// A smaller, faster allocator than the default dlmalloc for the module.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
