//! `aerie admin backup create`: the database snapshot, the local media, the config and
//! the keys, into one archive next to earlier ones.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::archive::ArchiveWriter;
use super::layout::{BLOBS, CONFIG, DATABASE, DATABASE_TABLES, KEYS};
use super::manifest::{FORMAT_VERSION, Manifest};
use super::{postgres, progress, sqlite};
use crate::config::Config;
use crate::operator_error::OperatorError;
use crate::startup::Paths;

/// The blob store's temporary files (writes in flight) are never archived.
const BLOB_TEMP_PREFIX: &str = ".aerie-";

/// Where backups go unless `--to` says otherwise.
pub fn default_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// Takes a backup of the instance at `paths` into `to` (default `<data dir>/backups`)
/// while it may be serving; returns the archive's path.
pub fn create(paths: &Paths, config: &Config, to: Option<&Path>) -> anyhow::Result<PathBuf> {
    if config.blobs.backend != "local" {
        return Err(OperatorError::new(
            format!("aerie backups cover local media only so far; blobs.backend is {:?}", config.blobs.backend),
            "back the bucket up with your storage provider's tools",
        )
        .into());
    }
    let dir = to.map(Path::to_path_buf).unwrap_or_else(|| default_dir(&paths.data_dir));
    fs::create_dir_all(&dir).map_err(|e| {
        OperatorError::new(format!("cannot create the backup folder {}: {e}", dir.display()), "choose another place with --to")
    })?;
    if to.is_none() {
        // Inside the data directory: as private as the rest of it.
        let _ = fs::set_permissions(&dir, fs::Permissions::from_mode(0o700));
    }

    // The snapshot goes beside the archive (same disk), in a folder removed on drop.
    let scratch = tempfile::Builder::new().prefix(".aerie-backup-").tempdir_in(&dir)?;
    let (engine, mut sources, tables) = match &config.database.url {
        None => {
            let database = paths.data_dir.join("aerie.db");
            if !database.is_file() {
                return Err(OperatorError::new(
                    format!("there is no database at {}", database.display()),
                    "check --data-dir (the instance's data directory) or run `aerie serve` once to create the instance",
                )
                .into());
            }
            let snapshot = scratch.path().join("aerie.db");
            sqlite::snapshot(&database, &snapshot)?;
            let tables = sqlite::table_counts(&snapshot)?;
            ("sqlite", vec![(DATABASE.to_string(), snapshot)], tables)
        }
        Some(url) => {
            let exported = tokio::runtime::Handle::current().block_on(postgres::export(url, scratch.path()))?;
            let sources = exported.iter().map(|(table, path, _)| (format!("{DATABASE_TABLES}{table}.jsonl"), path.clone())).collect();
            let tables = exported.into_iter().map(|(table, _, n)| (table, n)).collect();
            ("postgres", sources, tables)
        }
    };

    let blobs_dir = config.blobs.dir.clone().unwrap_or_else(|| paths.data_dir.join("blobs"));
    sources.push((CONFIG.to_string(), paths.config_file.clone()));
    for (name, path) in files_under(&paths.data_dir.join("keys"))? {
        sources.push((format!("{KEYS}{name}"), path));
    }
    for (name, path) in files_under(&blobs_dir)? {
        if !name.split('/').any(|segment| segment.starts_with(BLOB_TEMP_PREFIX)) {
            sources.push((format!("{BLOBS}{name}"), path));
        }
    }

    let created = chrono::Utc::now();
    let target = dir.join(format!("aerie-backup-{}.tar.gz", created.format("%Y%m%dT%H%M%S%3fZ")));
    let total = sources.iter().filter_map(|(_, path)| fs::metadata(path).ok()).map(|m| m.len()).sum();
    let bar = progress::bytes("archiving", total);
    let mut writer = ArchiveWriter::create(&target)?;
    for (name, path) in &sources {
        match writer.add_file(name, path, &bar) {
            Ok(()) => {}
            // A blob deleted since the listing (media removed meanwhile) is simply gone.
            Err(_) if name.starts_with(BLOBS) && !path.exists() => continue,
            Err(e) => return Err(e),
        }
    }
    bar.finish_and_clear();
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        engine: engine.into(),
        created_at: created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        aerie_version: env!("CARGO_PKG_VERSION").into(),
        files: writer.files().to_vec(),
        tables,
    };
    writer.finish(&manifest)
}

/// Every regular file under `root` (none when it does not exist), as a `/`-separated
/// name relative to `root` and its path, sorted by name.
fn files_under(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    if !root.is_dir() {
        return Ok(found);
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let relative = path.strip_prefix(root)?;
                let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                found.push((name, path));
            }
        }
    }
    found.sort();
    Ok(found)
}
