//! A local stand-in for the four GPT Image 2 provider APIs (Apiframe, GPTImage2.ai,
//! getimg.ai, OpenAI), faithful to their documents, with jobs that take (scaled) time,
//! real images, a ledger, statistics, faults on demand and signed webhooks.
//!
//! ```no_run
//! # async fn demo() -> Result<(), String> {
//! let mut config = sandbox::Config::default();
//! config.addr = "127.0.0.1:0".parse().map_err(|_| "addr")?;
//! config.time_scale = 0.01;
//! let server = sandbox::Server::start(config).await?;
//! println!("point clients at {}", server.base_url());
//! server.stop().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod apiframe_schema;
pub mod app;
pub mod client;
pub mod clock;
pub mod config;
pub mod faults;
pub mod http;
pub mod images;
pub mod multipart;
pub mod openapi;
pub mod providers;
pub mod rng;
pub mod schedule;
pub mod server;
pub mod state;
pub mod webhooks;

pub use config::{Config, Provider, ResultShape};
pub use server::{run, Server};
