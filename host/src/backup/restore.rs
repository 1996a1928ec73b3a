//! `aerie admin backup verify` and `restore`: both unpack the archive as a data
//! directory, check every entry against the manifest and the database's row counts;
//! verify does it in a scratch folder it then removes.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};

use super::archive::{copy_hashing, read_entries};
use super::layout::{DATABASE, MANIFEST, RESTORE_TABLES_DIR, destination};
use super::manifest::{FORMAT_VERSION, Manifest};
use super::{postgres, progress, sqlite};
use crate::config::DatabaseConfig;
use crate::db::Database;
use crate::operator_error::OperatorError;

/// Checks `archive` without any instance: every checksum, and the database restored
/// into a scratch folder with its row counts. Returns the manifest.
pub fn verify(archive: &Path) -> anyhow::Result<Manifest> {
    let scratch = tempfile::Builder::new().prefix("aerie-verify-").tempdir()?;
    let data_dir = scratch.path().join("data");
    make_private_dir(&data_dir)?;
    unpack_and_check(archive, &data_dir, &scratch.path().join("aerie.toml"), None)
}

/// Brings the instance in `archive` back into the empty (or absent) `data_dir`, its
/// config at `config_file`, its database into the SQLite file of the data directory or,
/// with `database_url`, into that empty PostgreSQL database (a PostgreSQL archive goes
/// onto either engine). On a failure no restored file is left behind.
pub fn restore(archive: &Path, data_dir: &Path, config_file: &Path, database_url: Option<&str>) -> anyhow::Result<Manifest> {
    if let Some(url) = database_url
        && !tokio::runtime::Handle::current().block_on(postgres::is_empty(url))?
    {
        return Err(OperatorError::new(
            "the PostgreSQL database of --database-url already has tables; a restore never mixes instances",
            "create an empty database (createdb NAME) and pass its URL",
        )
        .into());
    }
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
    match unpack_and_check(archive, data_dir, config_file, database_url) {
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
fn unpack_and_check(archive: &Path, data_dir: &Path, config_file: &Path, database_url: Option<&str>) -> anyhow::Result<Manifest> {
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
    media_into_data_dir(config_file)?;
    let counts = match manifest.engine.as_str() {
        "sqlite" => {
            if !manifest.files.iter().any(|f| f.path == DATABASE) {
                return Err(damaged("the archive holds no database"));
            }
            if database_url.is_some() {
                return Err(OperatorError::new(
                    "this archive holds a SQLite database; restoring it onto PostgreSQL is not supported yet",
                    "restore without --database-url (onto SQLite)",
                )
                .into());
            }
            sqlite::table_counts(&data_dir.join("aerie.db")).map_err(|e| damaged(format!("the database: {e:#}")))?
        }
        "postgres" => import_tables(&manifest, data_dir, config_file, database_url)?,
        other => return Err(damaged(format!("the manifest names an unknown engine {other:?}"))),
    };
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

/// Imports a PostgreSQL archive's table files into a freshly migrated database (the
/// data directory's SQLite file, or `database_url`) and points the config at it.
fn import_tables(
    manifest: &Manifest,
    data_dir: &Path,
    config_file: &Path,
    database_url: Option<&str>,
) -> anyhow::Result<BTreeMap<String, i64>> {
    let tables_dir = data_dir.join(RESTORE_TABLES_DIR);
    let tables: Vec<(String, PathBuf)> =
        manifest.tables.keys().map(|table| (table.clone(), tables_dir.join(format!("{table}.jsonl")))).collect();
    if let Some((table, _)) = tables.iter().find(|(_, path)| !path.is_file()) {
        return Err(damaged(format!("the rows of {table} are missing from the archive")));
    }
    let sqlite_file = data_dir.join("aerie.db");
    let url = database_url.map(str::to_string).unwrap_or_else(|| format!("sqlite://{}", sqlite_file.display()));
    let runtime = tokio::runtime::Handle::current();
    // The schema comes from this aerie's migrations, as `aerie migrate` makes it.
    let database = runtime.block_on(Database::open(&url, &DatabaseConfig::default(), true)).context("cannot migrate the new database")?;
    runtime.block_on(database.close());
    let counts = match database_url {
        Some(url) => runtime.block_on(postgres::import_into_postgres(url, &tables))?,
        None => postgres::import_into_sqlite(&sqlite_file, &tables)?,
    };
    let _ = fs::remove_dir_all(&tables_dir);
    point_config_at(config_file, database_url)?;
    Ok(counts)
}

/// The media were restored into the data directory's `blobs`: a `blobs.dir` naming
/// the old instance's folder is removed from the restored config (only then is the
/// file rewritten).
fn media_into_data_dir(config_file: &Path) -> anyhow::Result<()> {
    let text = fs::read_to_string(config_file).with_context(|| format!("cannot read {}", config_file.display()))?;
    let mut config: toml::Table = text.parse().context("the archived config is not TOML")?;
    let removed = match config.get_mut("blobs") {
        Some(toml::Value::Table(blobs)) => blobs.remove("dir").is_some(),
        _ => false,
    };
    if removed {
        fs::write(config_file, toml::to_string(&config)?)?;
    }
    Ok(())
}

/// Sets (or, for the embedded SQLite, removes) `database.url` in the restored config.
fn point_config_at(config_file: &Path, database_url: Option<&str>) -> anyhow::Result<()> {
    let text = fs::read_to_string(config_file).with_context(|| format!("cannot read {}", config_file.display()))?;
    let mut config: toml::Table = text.parse().context("the archived config is not TOML")?;
    let database = config.entry("database").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(section) = database {
        match database_url {
            Some(url) => {
                section.insert("url".into(), toml::Value::String(url.into()));
            }
            None => {
                section.remove("url");
            }
        }
    }
    fs::write(config_file, toml::to_string(&config)?)?;
    Ok(())
}

fn damaged(message: impl Into<String>) -> anyhow::Error {
    OperatorError::new(message, "this archive is damaged; use another backup (and keep copies on a second disk)").into()
}
