//! `media_attachments`: uploads, their descriptions and focal points, and which
//! status they are attached to (local files by upload, remote ones by reference).

use std::collections::HashMap;

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

use aerie_sdk::settings;

use crate::media::{MEDIA_COLUMNS, MediaRow, RemoteMedia, image_meta};

fn opt_float(v: Option<f64>) -> Value {
    v.map(Value::Float64).unwrap_or(Value::Null)
}

/// The attachments of `status_ids`, each list in the author's order.
pub fn for_statuses(db: &impl Handle, status_ids: &[i64]) -> Result<HashMap<i64, Vec<MediaRow>>, Error> {
    let mut out: HashMap<i64, Vec<MediaRow>> = HashMap::new();
    if status_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {MEDIA_COLUMNS} FROM media_attachments m WHERE m.status_id IN ({}) ORDER BY m.sort_order, m.id",
        placeholders(1, status_ids.len())
    );
    for row in db.query(&sql, &ids(status_ids))?.iter() {
        let media = MediaRow::from_row(&row);
        out.entry(media.status_id.unwrap_or_default()).or_default().push(media);
    }
    Ok(out)
}

/// Rows by id (attached or not), for the versions of an edited status.
pub fn by_ids(db: &impl Handle, media_ids: &[i64]) -> Result<HashMap<i64, MediaRow>, Error> {
    if media_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!("SELECT {MEDIA_COLUMNS} FROM media_attachments m WHERE m.id IN ({})", placeholders(1, media_ids.len()));
    Ok(db.query(&sql, &ids(media_ids))?.iter().map(|r| MediaRow::from_row(&r)).map(|m| (m.id, m)).collect())
}

/// A new upload, not attached yet.
pub struct Upload {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub content_type: String,
    pub blob_key: String,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub focus: Option<(f64, f64)>,
    /// `meta` JSON.
    pub meta: String,
    pub file_size: i64,
    pub created_at: i64,
}

/// Writes `upload`.
pub fn insert_upload(db: &impl Handle, upload: &Upload) -> Result<(), Error> {
    db.execute(
        "INSERT INTO media_attachments (id, account_id, status_id, type, content_type, blob_key, description, blurhash, focus_x, focus_y, \
           meta, file_size, processing, created_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'ready', $12)",
        &[
            Value::Int64(upload.id),
            Value::Int64(upload.account_id),
            Value::Text(upload.kind.clone()),
            Value::Text(upload.content_type.clone()),
            Value::Text(upload.blob_key.clone()),
            upload.description.clone().map(Value::Text).unwrap_or(Value::Null),
            upload.blurhash.clone().map(Value::Text).unwrap_or(Value::Null),
            opt_float(upload.focus.map(|(x, _)| x)),
            opt_float(upload.focus.map(|(_, y)| y)),
            Value::Text(upload.meta.clone()),
            Value::Int64(upload.file_size),
            Value::Int64(upload.created_at),
        ],
    )?;
    Ok(())
}

/// `account`'s upload `id`, attached or not.
pub fn own(db: &impl Handle, account: i64, id: i64) -> Result<Option<MediaRow>, Error> {
    let rows = db.query(
        &format!("SELECT {MEDIA_COLUMNS} FROM media_attachments m WHERE m.id = $1 AND m.account_id = $2"),
        &[Value::Int64(id), Value::Int64(account)],
    )?;
    Ok(rows.first().map(|r| MediaRow::from_row(&r)))
}

/// Where [`describe`] and [`set_focus`] may write: any upload (by id), or only
/// `account`'s upload that is unattached or on status `status`.
pub enum Owned {
    Any,
    By { account: i64, status: i64 },
}

impl Owned {
    /// The condition (after `id = $1`) and its parameters, numbered from `$first`.
    fn condition(&self, first: usize) -> (String, Vec<Value>) {
        match self {
            Owned::Any => (String::new(), Vec::new()),
            Owned::By { account, status } => (
                format!(" AND account_id = ${first} AND (status_id IS NULL OR status_id = ${})", first + 1),
                vec![Value::Int64(*account), Value::Int64(*status)],
            ),
        }
    }
}

/// Sets (or clears) the description of upload `id`.
pub fn describe(db: &impl Handle, id: i64, owned: Owned, description: Option<String>) -> Result<(), Error> {
    let (condition, extra) = owned.condition(3);
    let mut params = vec![Value::Int64(id), description.map(Value::Text).unwrap_or(Value::Null)];
    params.extend(extra);
    db.execute(&format!("UPDATE media_attachments SET description = $2 WHERE id = $1{condition}"), &params)?;
    Ok(())
}

/// Sets (or clears) the focal point of upload `id`.
pub fn set_focus(db: &impl Handle, id: i64, owned: Owned, focus: Option<(f64, f64)>) -> Result<(), Error> {
    let (condition, extra) = owned.condition(4);
    let mut params = vec![Value::Int64(id), opt_float(focus.map(|(x, _)| x)), opt_float(focus.map(|(_, y)| y))];
    params.extend(extra);
    db.execute(&format!("UPDATE media_attachments SET focus_x = $2, focus_y = $3 WHERE id = $1{condition}"), &params)?;
    Ok(())
}

/// Deletes upload `id` if it is not attached (nor reserved by a scheduled status).
pub fn delete_unattached(db: &impl Handle, id: i64) -> Result<(), Error> {
    db.execute("DELETE FROM media_attachments WHERE id = $1 AND status_id IS NULL AND scheduled_status_id IS NULL", &[Value::Int64(id)])?;
    Ok(())
}

/// The ids of status `status`'s attachments, in order.
pub fn ids_of_status(db: &impl Handle, status: i64) -> Result<Vec<i64>, Error> {
    Ok(db
        .query("SELECT id FROM media_attachments WHERE status_id = $1 ORDER BY sort_order, id", &[Value::Int64(status)])?
        .iter()
        .filter_map(|r| r.i64("id"))
        .collect())
}

/// Makes `media_ids` the attachments of status `status_id`, in that order: each
/// must be `author`'s, not on another status and not reserved by a scheduled one;
/// attachments left out are detached.
/// `Ok(Err(missing))` names the ids that are not usable (nothing is changed then).
pub fn attach(db: &impl Handle, status_id: i64, author: i64, media_ids: &[i64]) -> Result<Result<(), Vec<i64>>, Error> {
    let mut params = vec![Value::Int64(status_id), Value::Int64(author)];
    params.extend(ids(media_ids));
    if media_ids.is_empty() {
        db.execute("UPDATE media_attachments SET status_id = NULL WHERE status_id = $1 AND account_id = $2", &params)?;
        return Ok(Ok(()));
    }
    let list = placeholders(3, media_ids.len());
    let missing = unusable(db, "(status_id IS NULL OR status_id = $1) AND scheduled_status_id IS NULL", &list, &params, media_ids)?;
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    db.execute(
        &format!("UPDATE media_attachments SET status_id = NULL WHERE status_id = $1 AND account_id = $2 AND id NOT IN ({list})"),
        &params,
    )?;
    db.execute(&format!("UPDATE media_attachments SET status_id = $1 WHERE account_id = $2 AND id IN ({list})"), &params)?;
    // The order the author gave them.
    for (order, id) in media_ids.iter().enumerate() {
        db.execute("UPDATE media_attachments SET sort_order = $2 WHERE id = $1", &[Value::Int64(*id), Value::Int64(order as i64)])?;
    }
    Ok(Ok(()))
}

/// Detaches the attachments of deleted status `status` (kept for a redraft), or
/// deletes their rows when `remove`.
pub fn release(db: &impl Handle, status: i64, remove: bool) -> Result<(), Error> {
    if remove {
        db.execute("DELETE FROM media_attachments WHERE status_id = $1", &[Value::Int64(status)])?;
    } else {
        db.execute("UPDATE media_attachments SET status_id = NULL WHERE status_id = $1", &[Value::Int64(status)])?;
    }
    Ok(())
}

/// Stores `media` as the attachments of remote status `status_id` by `account_id`.
pub fn insert_remote(db: &impl Handle, status_id: i64, account_id: i64, media: &[RemoteMedia], now: i64) -> Result<(), Error> {
    for (order, item) in media.iter().enumerate() {
        let meta = match (item.width, item.height) {
            (Some(w), Some(h)) => image_meta(w.min(u64::from(u32::MAX)) as u32, h.min(u64::from(u32::MAX)) as u32),
            _ => serde_json::json!({}),
        };
        let opt_text = |v: &Option<String>| v.clone().map(Value::Text).unwrap_or(Value::Null);
        db.execute(
            "INSERT INTO media_attachments (id, account_id, status_id, type, content_type, remote_url, description, blurhash, \
               focus_x, focus_y, meta, processing, sort_order, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'ready', $12, $13)",
            &[
                Value::Int64(settings::next_id()),
                Value::Int64(account_id),
                Value::Int64(status_id),
                Value::Text(item.kind.into()),
                opt_text(&item.content_type),
                Value::Text(item.url.clone()),
                opt_text(&item.description),
                opt_text(&item.blurhash),
                opt_float(item.focus.map(|(x, _)| x)),
                opt_float(item.focus.map(|(_, y)| y)),
                Value::Text(meta.to_string()),
                Value::Int64(order as i64),
                Value::Int64(now),
            ],
        )?;
    }
    Ok(())
}

/// Makes `media` the attachments of remote status `status_id` when they differ from
/// the stored ones (by URL, description and order); returns whether they changed.
pub fn replace_remote(db: &impl Handle, status_id: i64, account_id: i64, media: &[RemoteMedia], now: i64) -> Result<bool, Error> {
    let stored: Vec<(Option<String>, Option<String>)> = db
        .query(
            "SELECT remote_url, description FROM media_attachments WHERE status_id = $1 ORDER BY sort_order, id",
            &[Value::Int64(status_id)],
        )?
        .iter()
        .map(|r| (r.string("remote_url"), r.string("description")))
        .collect();
    let wanted: Vec<(Option<String>, Option<String>)> = media.iter().map(|m| (Some(m.url.clone()), m.description.clone())).collect();
    if stored == wanted {
        return Ok(false);
    }
    db.execute(
        "DELETE FROM media_attachments WHERE status_id = $1 AND account_id = $2",
        &[Value::Int64(status_id), Value::Int64(account_id)],
    )?;
    insert_remote(db, status_id, account_id, media, now)?;
    Ok(true)
}

/// The uploads reserved by scheduled statuses `scheduled_ids`, each list in the
/// author's order.
pub fn for_scheduled(db: &impl Handle, scheduled_ids: &[i64]) -> Result<HashMap<i64, Vec<MediaRow>>, Error> {
    let mut out: HashMap<i64, Vec<MediaRow>> = HashMap::new();
    if scheduled_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {MEDIA_COLUMNS}, m.scheduled_status_id FROM media_attachments m WHERE m.scheduled_status_id IN ({}) \
         ORDER BY m.sort_order, m.id",
        placeholders(1, scheduled_ids.len())
    );
    for row in db.query(&sql, &ids(scheduled_ids))?.iter() {
        let scheduled = row.i64("scheduled_status_id").unwrap_or_default();
        let media = MediaRow::from_row(&row);
        out.entry(scheduled).or_default().push(media);
    }
    Ok(out)
}

/// Which of `media_ids` (`$3…`, the placeholders `list`) are not `$2`'s uploads free
/// by `free` (a condition on `$1`, the status or scheduled status they are for): the
/// check [`attach`] and [`reserve`] make before changing anything.
fn unusable(db: &impl Handle, free: &str, list: &str, params: &[Value], media_ids: &[i64]) -> Result<Vec<i64>, Error> {
    let usable = db.query(&format!("SELECT id FROM media_attachments WHERE account_id = $2 AND {free} AND id IN ({list})"), params)?;
    let found: Vec<i64> = usable.iter().filter_map(|r| r.i64("id")).collect();
    Ok(media_ids.iter().copied().filter(|id| !found.contains(id)).collect())
}

/// Reserves `media_ids` for scheduled status `scheduled` by `author`, in that order:
/// each must be `author`'s, unattached and not reserved already. `Ok(Err(missing))`
/// names the ids that are not usable (nothing is changed then).
pub fn reserve(db: &impl Handle, scheduled: i64, author: i64, media_ids: &[i64]) -> Result<Result<(), Vec<i64>>, Error> {
    if media_ids.is_empty() {
        return Ok(Ok(()));
    }
    let mut params = vec![Value::Int64(scheduled), Value::Int64(author)];
    params.extend(ids(media_ids));
    let list = placeholders(3, media_ids.len());
    let missing =
        unusable(db, "status_id IS NULL AND (scheduled_status_id IS NULL OR scheduled_status_id = $1)", &list, &params, media_ids)?;
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    db.execute(&format!("UPDATE media_attachments SET scheduled_status_id = $1 WHERE account_id = $2 AND id IN ({list})"), &params)?;
    for (order, id) in media_ids.iter().enumerate() {
        db.execute("UPDATE media_attachments SET sort_order = $2 WHERE id = $1", &[Value::Int64(*id), Value::Int64(order as i64)])?;
    }
    Ok(Ok(()))
}

/// Frees the uploads reserved by scheduled status `scheduled` (posted or cancelled).
pub fn unreserve(db: &impl Handle, scheduled: i64) -> Result<(), Error> {
    db.execute("UPDATE media_attachments SET scheduled_status_id = NULL WHERE scheduled_status_id = $1", &[Value::Int64(scheduled)])?;
    Ok(())
}
