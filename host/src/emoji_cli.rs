//! `aerie admin emoji …`: the instance's custom emoji, which clients list from
//! `GET /api/v1/custom_emojis` and statuses show where their text names
//! `:shortcode:`. `add` stores the picture in the blob store (served at
//! `BASE/system/emojis/…` with the media headers) and a `custom_emojis` row; `list`
//! and `remove` work on the local ones. Works while the server runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aerie_contract::blob_keys;
use clap::Subcommand;

use crate::clock::now_millis;
use crate::db::{Database, Value};
use crate::ids::{self, IdGenerator};
use crate::operator_error::OperatorError;
use crate::startup::{self, GlobalArgs};

/// The largest picture accepted (Mastodon's limit for local emoji is 256 KiB).
pub const MAX_BYTES: u64 = 256 * 1024;

#[derive(Debug, Subcommand)]
pub enum EmojiCommand {
    /// Add a custom emoji from a PNG, GIF or WebP file (at most 256 KiB).
    Add {
        /// Letters, digits and underscores, at least two (used as `:shortcode:`).
        shortcode: String,
        file: PathBuf,
        /// The group clients show it under in their picker.
        #[arg(long)]
        category: Option<String>,
    },
    /// List the local custom emoji.
    List,
    /// Remove a local custom emoji (its picture too).
    Remove { shortcode: String },
    /// Add every picture of a Mastodon-style archive (a .tar.gz of files named
    /// SHORTCODE.png, .gif or .webp); shortcodes already taken are skipped.
    Import {
        file: PathBuf,
        /// The category of the emoji added.
        #[arg(long)]
        category: Option<String>,
    },
}

/// The picture's type and extension, recognised from its first bytes (the file's
/// name is not trusted).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

fn check_shortcode(shortcode: &str) -> Result<(), OperatorError> {
    if shortcode.len() >= 2 && shortcode.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Ok(());
    }
    Err(OperatorError::new(
        format!("{shortcode:?} is not a valid shortcode"),
        "use at least two letters, digits or underscores (a-z, A-Z, 0-9, _)",
    ))
}

/// Reads and checks the picture: its type from its bytes, at most [`MAX_BYTES`].
fn read_picture(file: &Path) -> Result<(Vec<u8>, &'static str, &'static str), OperatorError> {
    let size = std::fs::metadata(file)
        .map_err(|e| OperatorError::new(format!("cannot read {}: {e}", file.display()), "give the path of a PNG, GIF or WebP file"))?
        .len();
    if size > MAX_BYTES {
        return Err(OperatorError::new(
            format!("{} is {size} bytes, more than the {MAX_BYTES} bytes (256 KiB) an emoji may have", file.display()),
            "shrink the picture",
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| OperatorError::new(format!("cannot read {}: {e}", file.display()), ""))?;
    let Some((content_type, extension)) = sniff(&bytes) else {
        return Err(OperatorError::new(format!("{} is not a PNG, GIF or WebP picture", file.display()), "give a PNG, GIF or WebP file"));
    };
    Ok((bytes, content_type, extension))
}

async fn local_exists(db: &Database, shortcode: &str) -> anyhow::Result<bool> {
    let rows = db.query("SELECT id FROM custom_emojis WHERE domain IS NULL AND shortcode = $1", vec![shortcode.to_string().into()]).await?;
    Ok(!rows.is_empty())
}

/// Stores a checked picture under a new key and its row; the picture is deleted
/// again if the row cannot be written.
async fn add(db: &Database, blobs: &crate::blobs::BlobStore, shortcode: &str, bytes: &[u8], category: Option<&str>) -> anyhow::Result<()> {
    let Some((content_type, extension)) = sniff(bytes) else { anyhow::bail!("not a picture") };
    let node = format!("cli-{}", startup::node_name());
    let tag = ids::claim_node_tag(db, &node).await?;
    let id = Arc::new(IdGenerator::new(tag)).next();
    let _ = ids::release_node_tag(db, &node, tag).await;
    let key = blob_keys::emoji(id, &hex::encode(rand::random::<[u8; 8]>()), extension);
    blobs.put_stream(&key, bytes, Some(content_type)).await?;
    let category = category.map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    let inserted = db
        .execute(
            "INSERT INTO custom_emojis (id, shortcode, image_key, content_type, category, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
            vec![
                id.into(),
                shortcode.to_string().into(),
                key.clone().into(),
                content_type.to_string().into(),
                category.into(),
                now_millis().into(),
            ],
        )
        .await;
    if let Err(error) = inserted {
        let _ = blobs.delete(&key).await;
        return Err(error.into());
    }
    Ok(())
}

pub async fn run(global: &GlobalArgs, command: &EmojiCommand) -> anyhow::Result<()> {
    let instance = startup::open_instance(global, true).await?;
    let db = &instance.database;
    let result = async {
        match command {
            EmojiCommand::Add { shortcode, file, category } => {
                check_shortcode(shortcode)?;
                let (bytes, content_type, _) = read_picture(file)?;
                if local_exists(db, shortcode).await? {
                    return Err(OperatorError::new(
                        format!("there already is an emoji :{shortcode}:"),
                        format!("remove it first with `aerie admin emoji remove {shortcode}`, or pick another shortcode"),
                    )
                    .into());
                }
                let blobs = startup::open_blobs(&instance.config, &instance.paths.data_dir).await?;
                add(db, &blobs, shortcode, &bytes, category.as_deref()).await?;
                println!("aerie: added :{shortcode}: ({content_type}, {} bytes)", bytes.len());
            }
            EmojiCommand::Import { file, category } => {
                let pictures = crate::emoji_archive::read(file)?;
                let blobs = startup::open_blobs(&instance.config, &instance.paths.data_dir).await?;
                let (mut added, mut skipped) = (0, 0);
                for (name, bytes) in pictures {
                    let Some(shortcode) = crate::emoji_archive::shortcode_of(&name) else { continue };
                    let problem = if check_shortcode(&shortcode).is_err() {
                        Some("not a valid shortcode".to_string())
                    } else if bytes.len() as u64 > MAX_BYTES {
                        Some(format!("{} bytes, over 256 KiB", bytes.len()))
                    } else if sniff(&bytes).is_none() {
                        Some("not a PNG, GIF or WebP picture".to_string())
                    } else if local_exists(db, &shortcode).await? {
                        Some(format!(":{shortcode}: already exists"))
                    } else {
                        None
                    };
                    if let Some(problem) = problem {
                        println!("aerie: skipped {name}: {problem}");
                        skipped += 1;
                        continue;
                    }
                    add(db, &blobs, &shortcode, &bytes, category.as_deref()).await?;
                    added += 1;
                }
                println!("aerie: imported {added} emoji, skipped {skipped}");
            }
            EmojiCommand::List => {
                let rows = db
                    .query(
                        "SELECT shortcode, content_type, category, disabled FROM custom_emojis WHERE domain IS NULL ORDER BY shortcode",
                        Vec::<Value>::new(),
                    )
                    .await?;
                println!("{:<32} {:<11} {:<20} STATE", "SHORTCODE", "TYPE", "CATEGORY");
                for i in 0..rows.len() {
                    println!(
                        "{:<32} {:<11} {:<20} {}",
                        format!(":{}:", rows.text(i, "shortcode").unwrap_or_default()),
                        rows.text(i, "content_type").unwrap_or_default(),
                        rows.text(i, "category").unwrap_or("-"),
                        if rows.i64(i, "disabled").unwrap_or_default() != 0 { "disabled" } else { "enabled" },
                    );
                }
                println!("{} emoji", rows.len());
            }
            EmojiCommand::Remove { shortcode } => {
                let rows = db
                    .query(
                        "SELECT id, image_key FROM custom_emojis WHERE domain IS NULL AND shortcode = $1",
                        vec![shortcode.clone().into()],
                    )
                    .await?;
                if rows.is_empty() {
                    return Err(
                        OperatorError::new(format!("there is no emoji :{shortcode}:"), "see them with `aerie admin emoji list`").into()
                    );
                }
                let id = rows.i64(0, "id").unwrap_or_default();
                let key = rows.text(0, "image_key").map(str::to_string);
                db.execute("DELETE FROM custom_emojis WHERE id = $1", vec![id.into()]).await?;
                if let Some(key) = key {
                    // The row is gone, so nothing names the picture any more; a failure
                    // here leaves an orphan file, not a broken emoji.
                    let blobs = startup::open_blobs(&instance.config, &instance.paths.data_dir).await?;
                    if let Err(error) = blobs.delete(&key).await {
                        eprintln!("aerie: the picture {key} was not deleted: {error}");
                    }
                }
                println!("aerie: removed :{shortcode}:");
            }
        }
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn pictures_are_recognised_by_their_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(("image/png", "png")));
        assert_eq!(sniff(b"GIF89a...."), Some(("image/gif", "gif")));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(("image/webp", "webp")));
        assert_eq!(sniff(b"<svg xmlns=..."), None);
        assert_eq!(sniff(b""), None);
    }
}
