//! `custom_emojis`: the instance's own custom emoji (domain NULL, added by the
//! operator with `aerie admin emoji add`) and remote servers' emoji seen in incoming
//! posts (domain set). See [`crate::custom_emoji`] for how text names them.

use aerie_sdk::db::{Error, Handle, Row, Value, placeholders};

/// One custom emoji.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEmojiRow {
    pub id: i64,
    pub shortcode: String,
    /// `None` for a local emoji.
    pub domain: Option<String>,
    /// A local emoji's picture in the blob store.
    pub image_key: Option<String>,
    pub content_type: String,
    /// A remote emoji's ActivityPub id.
    pub uri: Option<String>,
    /// A remote emoji's picture.
    pub image_remote_url: Option<String>,
    pub visible_in_picker: bool,
    pub category: Option<String>,
    pub disabled: bool,
}

const COLUMNS: &str = "id, shortcode, domain, image_key, content_type, uri, image_remote_url, visible_in_picker, category, disabled";

impl CustomEmojiRow {
    fn from_row(row: &Row) -> CustomEmojiRow {
        CustomEmojiRow {
            id: row.i64("id").unwrap_or_default(),
            shortcode: row.string("shortcode").unwrap_or_default(),
            domain: row.string("domain"),
            image_key: row.string("image_key"),
            content_type: row.string("content_type").unwrap_or_default(),
            uri: row.string("uri"),
            image_remote_url: row.string("image_remote_url"),
            visible_in_picker: row.bool("visible_in_picker"),
            category: row.string("category"),
            disabled: row.bool("disabled"),
        }
    }
}

fn text_or_null(value: Option<&str>) -> Value {
    value.map(|v| Value::Text(v.to_string())).unwrap_or(Value::Null)
}

/// The enabled local emoji, by shortcode (what `GET /api/v1/custom_emojis` lists).
pub fn enabled_local(db: &impl Handle) -> Result<Vec<CustomEmojiRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM custom_emojis WHERE domain IS NULL AND disabled = 0 ORDER BY shortcode");
    Ok(db.query(&sql, &[])?.iter().map(|r| CustomEmojiRow::from_row(&r)).collect())
}

/// The enabled emoji named by any of `shortcodes`, of any domain (the caller keeps
/// those of the domain each text belongs to): one query for a whole page.
pub fn named(db: &impl Handle, shortcodes: &[String]) -> Result<Vec<CustomEmojiRow>, Error> {
    if shortcodes.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM custom_emojis WHERE disabled = 0 AND shortcode IN ({}) ORDER BY shortcode, id",
        placeholders(1, shortcodes.len())
    );
    let params: Vec<Value> = shortcodes.iter().map(|s| Value::Text(s.clone())).collect();
    Ok(db.query(&sql, &params)?.iter().map(|r| CustomEmojiRow::from_row(&r)).collect())
}

/// Records (or refreshes) remote emoji `shortcode` of `domain` seen in an incoming
/// post, with its ActivityPub id and picture; a new row takes `id`.
#[allow(clippy::too_many_arguments)]
pub fn upsert_remote(
    db: &impl Handle,
    id: i64,
    shortcode: &str,
    domain: &str,
    uri: Option<&str>,
    image_url: &str,
    content_type: &str,
    now: i64,
) -> Result<(), Error> {
    let updated = db.execute(
        "UPDATE custom_emojis SET uri = $3, image_remote_url = $4, content_type = $5, updated_at = $6 \
         WHERE shortcode = $1 AND domain = $2",
        &[
            Value::Text(shortcode.into()),
            Value::Text(domain.into()),
            text_or_null(uri),
            Value::Text(image_url.into()),
            Value::Text(content_type.into()),
            Value::Int64(now),
        ],
    )?;
    if updated == 0 {
        db.execute(
            "INSERT INTO custom_emojis (id, shortcode, domain, content_type, uri, image_remote_url, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING",
            &[
                Value::Int64(id),
                Value::Text(shortcode.into()),
                Value::Text(domain.into()),
                Value::Text(content_type.into()),
                text_or_null(uri),
                Value::Text(image_url.into()),
                Value::Int64(now),
            ],
        )?;
    }
    Ok(())
}

/// Local emoji `id`, enabled or not (served as an ActivityPub `Emoji`).
pub fn local_by_id(db: &impl Handle, id: i64) -> Result<Option<CustomEmojiRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM custom_emojis WHERE id = $1 AND domain IS NULL AND disabled = 0");
    Ok(db.query(&sql, &[Value::Int64(id)])?.first().map(|r| CustomEmojiRow::from_row(&r)))
}
