//! The aerie host: a thin server that owns sockets, the component runtime, durable
//! state and secrets, and gives WebAssembly components capabilities through WIT.
//!
//! Where a request goes: [`server`] (axum) → [`server::routes`] picks the component
//! from the manifest ([`manifest`]) → [`runtime`] runs it with the capabilities in
//! [`capabilities`] → [`db`] for storage.

pub mod accounts_cli;
pub mod announcements_cli;
pub mod auth;
pub mod backup;
pub mod backup_cli;
pub mod blobs;
pub mod capabilities;
pub mod cli;
pub mod clock;
pub mod components_cli;
pub mod config;
pub mod datadir;
pub mod db;
pub mod disk_full;
pub mod emoji_archive;
pub mod emoji_cli;
pub mod events;
pub mod federation;
pub mod identity;
pub mod ids;
pub mod jobs;
pub mod keys;
pub mod manifest;
pub mod mastodon;
pub mod metrics;
pub mod operator_error;
pub mod reports_cli;
pub mod runtime;
pub mod server;
pub mod startup;
#[cfg(test)]
mod wit_contract;
