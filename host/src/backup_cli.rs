//! `aerie admin backup …`: create a backup while the server runs, verify an archive
//! anywhere, restore one into an empty data directory.

use std::path::PathBuf;

use clap::Subcommand;

use crate::backup::{self, manifest::Manifest};
use crate::operator_error::OperatorError;
use crate::startup::{self, GlobalArgs};

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Archive the database (a consistent snapshot, while the server serves), the local
    /// media, the config and the keys. The archive holds secrets: it is written 0600.
    Create {
        /// The folder for the archive (default: backups in the data directory).
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
    },
    /// Check an archive: every checksum, and its database restored into a scratch
    /// folder with the row counts of the manifest. Needs no instance.
    Verify { archive: PathBuf },
    /// Restore an archive into an empty data directory (--data-dir) and its config
    /// (--config, default aerie.toml in the data directory).
    Restore {
        archive: PathBuf,
        /// Restore the database into this empty PostgreSQL database instead of the
        /// data directory's SQLite file (archives taken from PostgreSQL only).
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
}

pub async fn run(global: &GlobalArgs, command: &BackupCommand) -> anyhow::Result<()> {
    match command {
        BackupCommand::Create { to } => {
            let mut paths = startup::Paths::resolve(global);
            let config = startup::load_config(&mut paths, global)?;
            let to = to.clone();
            let archive = blocking(move || backup::create(&paths, &config, to.as_deref())).await?;
            println!("aerie: backup written to {} (it holds the instance's secrets: keep it private)", archive.display());
            Ok(())
        }
        BackupCommand::Verify { archive } => {
            let archive = archive.clone();
            let shown = archive.display().to_string();
            let manifest = blocking(move || backup::verify(&archive)).await?;
            println!("aerie: {shown} is good: {}", summary(&manifest));
            Ok(())
        }
        BackupCommand::Restore { archive, database_url } => {
            let Some(data_dir) = global.data_dir.clone() else {
                return Err(OperatorError::new(
                    "restore needs the data directory to restore into",
                    "pass --data-dir DIR (an empty or new folder)",
                )
                .into());
            };
            let paths = startup::Paths::resolve(global);
            let config_file = paths.config_file.clone();
            let (archive, database_url) = (archive.clone(), database_url.clone());
            let manifest = blocking(move || backup::restore(&archive, &data_dir, &config_file, database_url.as_deref())).await?;
            println!(
                "aerie: restored into {} (config {}): {}; start it with `aerie serve`",
                paths.data_dir.display(),
                paths.config_file.display(),
                summary(&manifest)
            );
            Ok(())
        }
    }
}

/// Runs file and SQLite work off the async runtime's threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> anyhow::Result<T> + Send + 'static) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work).await?
}

fn summary(manifest: &Manifest) -> String {
    let count = |table: &str| manifest.tables.get(table).copied().unwrap_or(0);
    let bytes: u64 = manifest.files.iter().map(|f| f.size).sum();
    format!(
        "taken {} by aerie {}, {} files ({} bytes), {} accounts, {} statuses, {} follows",
        manifest.created_at,
        manifest.aerie_version,
        manifest.files.len(),
        bytes,
        count("accounts"),
        count("statuses"),
        count("follows")
    )
}
