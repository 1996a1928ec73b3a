//! Shared test machinery, one job per module. The harness most tests need (engines,
//! the server, instances, the HTTP clients) is re-exported here; the rest is reached
//! by its module path.
//!
//! - [`database`]: the engines, a fresh PostgreSQL database per test, reading a value.
//! - [`server`]: the binary and test programs, config files, `aerie serve` and
//!   one-shot subcommands.
//! - [`instance`]: a running instance to act on as users, alone or federating.
//! - [`http`]: clients, API calls as a token's holder, multipart bodies and uploads.
//! - [`federation`]: instances that reach each other, waiting for deliveries, the job
//!   queue, signing inbox POSTs as a remote server does.
//! - [`fixtures`]: pictures made here for uploads.
//! - [`moto`]: the S3-compatible server of the blob store tests.

#![allow(dead_code)]

pub mod database;
pub mod federation;
pub mod fixtures;
pub mod http;
pub mod instance;
pub mod moto;
pub mod server;

pub use database::*;
pub use http::{client, client_no_redirects};
pub use instance::*;
pub use server::*;
