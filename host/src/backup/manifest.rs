//! `manifest.json`: what the archive holds and the checksums that prove it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The archive format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format_version: u32,
    /// `sqlite` (the database file) or `postgres` (one JSON-lines file per table).
    pub engine: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub aerie_version: String,
    /// Every entry but the manifest, in archive order.
    pub files: Vec<FileEntry>,
    /// Rows per table in the database snapshot.
    pub tables: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    /// Lowercase hex SHA-256 of the entry's bytes.
    pub sha256: String,
}
