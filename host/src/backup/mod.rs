//! Backups: one archive holding a consistent snapshot of the database, the local
//! media, the configuration and the keys, with a manifest of checksums and row
//! counts; verified without an instance, restored into an empty data directory.
//!
//! The archive is a gzip-compressed tar. Its entries are named by what they hold
//! ([`layout`]) and `manifest.json` comes last, so every checksum in it is of the
//! bytes actually written. It holds secrets (keys, config), so it is written 0600.

pub mod archive;
pub mod create;
pub mod layout;
pub mod manifest;
pub mod postgres;
pub mod progress;
pub mod restore;
pub mod sqlite;

pub use create::create;
pub use restore::{restore, verify};
