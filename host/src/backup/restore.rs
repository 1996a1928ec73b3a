//! `aerie admin backup verify` and `restore`: both unpack the archive as a data
//! directory, check every entry against the manifest and the database's row counts;
//! verify does it in a scratch folder it then removes.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use anyhow::{Context, anyhow, bail};

use super::archive::{copy_hashing, read_entries};
use super::layout::{DATABASE, MANIFEST, destination};
use super::manifest::{FORMAT_VERSION, Manifest};
use super::{progress, sqlite};
use crate::operator_error::OperatorError;

/// Checks `archive` without any instance: every checksum, and the database restored
/// into a scratch folder with its row counts. Returns the manifest.
pub fn verify(archive: &Path) -> anyhow::Result<Manifest> {
    let scratch = tempfile::Builder::new().prefix("aerie-verify-").tempdir()?;
    let data_dir = scratch.path().join("data");
    make_private_dir(&data_dir)?;
    unpack_and_check(archive, &data_dir, &scratch.path().join("aerie.toml"))
}

/// Brings the instance in `archive` back into the empty (or absent) `data_dir`, its
/// config at `config_file`. On any failure nothing restored is left behind.
pub fn restore(archive: &Path, data_dir: &Path, config_file: &Path) -> anyhow::Result<Manifest> {
    if data_dir.exists() {
        let mut entries = fs::read_dir(data_dir).with_context(|| format!("cannot read {}", data_dir.display()))?;
        if entries.next().is_some() {
            return Err(OperatorError::new(
                format!("the data directory {} is not empty; a restore never overwrites an instance", data_dir.display()),
                "restore into a new folder (--data-dir), or move that one away first",
            )
            .into());
        }
    }
    if config_file.exists() {
        return Err(OperatorError::new(
            format!("the config file {} already exists; a restore never overwrites it", config_file.display()),
            "restore with another --config path, or move that file away first",
        )
        .into());
    }
    let existed = data_dir.exists();
    make_private_dir(data_dir)?;
    match unpack_and_check(archive, data_dir, config_file) {
        Ok(manifest) => Ok(manifest),
        Err(e) => {
            // Leave things as they were: an empty (or no) data directory, no config.
            let _ = fs::remove_file(config_file);
            if existed {
                if let Ok(entries) = fs::read_dir(data_dir) {
                    for entry in entries.flatten() {
                        let path = entry.path();
                        let _ = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
                    }
                }
            } else {
                let _ = fs::remove_dir_all(data_dir);
            }
            Err(e)
        }
    }
}

fn make_private_dir(dir: &Path) -> anyhow::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Unpacks every entry to where it belongs, then holds what was unpacked against the
/// manifest: the same files, sizes and checksums, and the same rows per table.
fn unpack_and_check(archive: &Path, data_dir: &Path, config_file: &Path) -> anyhow::Result<Manifest> {
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut manifest_bytes = None;
    let bar = progress::bytes_unknown_total("restoring");
    read_entries(archive, |name, reader| {
        if name == MANIFEST {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            manifest_bytes = Some(bytes);
            return Ok(());
        }
        let dest = destination(name, data_dir, config_file).ok_or_else(|| anyhow!("unexpected entry {name} in the archive"))?;
        if seen.contains_key(name) {
            bail!("the entry {name} appears twice");
        }
        if let Some(parent) = dest.parent() {
            make_private_dir(parent)?;
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&dest)
            .with_context(|| format!("cannot create {}", dest.display()))?;
        let (size, sha256) = copy_hashing(reader, &mut file, Some(&bar))?;
        file.sync_all()?;
        seen.insert(name.to_string(), (size, sha256));
        Ok(())
    })?;
    bar.finish_and_clear();

    let manifest_bytes =
        manifest_bytes.ok_or_else(|| damaged("the archive has no manifest.json (it is incomplete or not an aerie backup)"))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| damaged(format!("manifest.json is unreadable: {e}")))?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(OperatorError::new(
            format!("the archive has format version {}; this aerie reads version {FORMAT_VERSION}", manifest.format_version),
            format!("use aerie {} (which wrote it) or newer", manifest.aerie_version),
        )
        .into());
    }
    for file in &manifest.files {
        match seen.remove(&file.path) {
            None => return Err(damaged(format!("{} is listed in the manifest but missing from the archive", file.path))),
            Some((size, sha256)) if size != file.size || sha256 != file.sha256 => {
                return Err(damaged(format!(
                    "{} does not match its checksum (size {size}, manifest {}; sha256 {sha256}, manifest {})",
                    file.path, file.size, file.sha256
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = seen.keys().next() {
        return Err(damaged(format!("{extra} is in the archive but not in its manifest")));
    }
    if !manifest.files.iter().any(|f| f.path == DATABASE) {
        return Err(damaged("the archive holds no database"));
    }
    let counts = sqlite::table_counts(&data_dir.join("aerie.db")).map_err(|e| damaged(format!("the database: {e:#}")))?;
    if counts != manifest.tables {
        let differing: Vec<String> = manifest
            .tables
            .iter()
            .filter(|(table, n)| counts.get(*table) != Some(n))
            .map(|(table, n)| format!("{table}: {} rows, manifest {n}", counts.get(table).map_or("no".into(), |c| c.to_string())))
            .collect();
        return Err(damaged(format!("the database's row counts differ from the manifest ({})", differing.join("; "))));
    }
    Ok(manifest)
}

fn damaged(message: impl Into<String>) -> anyhow::Error {
    OperatorError::new(message, "this archive is damaged; use another backup (and keep copies on a second disk)").into()
}
