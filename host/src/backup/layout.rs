//! Where each part of an instance lives inside the archive, and where it goes back
//! on restore.

use std::path::{Component, Path, PathBuf};

/// The manifest: the archive's last entry.
pub const MANIFEST: &str = "manifest.json";
/// The SQLite database snapshot.
pub const DATABASE: &str = "database/aerie.db";
/// A PostgreSQL export: one `<table>.jsonl` per table under this prefix.
pub const DATABASE_TABLES: &str = "database/tables/";
/// Where a restore unpacks the table files before importing them (then removes them).
pub const RESTORE_TABLES_DIR: &str = ".aerie-restore-tables";
/// The configuration file.
pub const CONFIG: &str = "config/aerie.toml";
/// The local blob store's files live under this prefix.
pub const BLOBS: &str = "blobs/";
/// The keys directory's files live under this prefix.
pub const KEYS: &str = "keys/";

/// Where an archived entry is restored: the database, media and keys into the data
/// directory as `aerie serve` lays them out, the config to `config_file`. `None` for a
/// name that is not ours or that would escape its folder (`..`, absolute paths).
pub fn destination(name: &str, data_dir: &Path, config_file: &Path) -> Option<PathBuf> {
    if name == DATABASE {
        return Some(data_dir.join("aerie.db"));
    }
    if name == CONFIG {
        return Some(config_file.to_path_buf());
    }
    let (folder, rest) = if let Some(rest) = name.strip_prefix(DATABASE_TABLES) {
        (RESTORE_TABLES_DIR, rest)
    } else if let Some(rest) = name.strip_prefix(BLOBS) {
        ("blobs", rest)
    } else if let Some(rest) = name.strip_prefix(KEYS) {
        ("keys", rest)
    } else {
        return None;
    };
    let relative = Path::new(rest);
    let plain = !rest.is_empty() && relative.components().all(|c| matches!(c, Component::Normal(_)));
    plain.then(|| data_dir.join(folder).join(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_map_into_the_data_dir_and_never_out_of_it() {
        let data = Path::new("/d");
        let config = Path::new("/c/aerie.toml");
        assert_eq!(destination(DATABASE, data, config), Some(PathBuf::from("/d/aerie.db")));
        assert_eq!(destination(CONFIG, data, config), Some(PathBuf::from("/c/aerie.toml")));
        assert_eq!(destination("blobs/media/a/b.png", data, config), Some(PathBuf::from("/d/blobs/media/a/b.png")));
        assert_eq!(destination("keys/instance.pem", data, config), Some(PathBuf::from("/d/keys/instance.pem")));
        assert_eq!(
            destination("database/tables/accounts.jsonl", data, config),
            Some(PathBuf::from("/d/.aerie-restore-tables/accounts.jsonl"))
        );
        assert_eq!(destination("database/tables/../x", data, config), None);
        assert_eq!(destination("blobs/../../etc/passwd", data, config), None);
        assert_eq!(destination("keys//etc/passwd", data, config), None);
        assert_eq!(destination("other", data, config), None);
    }
}
