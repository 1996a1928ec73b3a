//! `/api/v1/media` and `/api/v2/media`: uploading a file for a status, reading and
//! describing it before it is posted.
//!
//! An upload is `multipart/form-data` with `file`, and optionally `description` and
//! `focus` (`"x,y"`, each in -1..1). The file is recognised by its bytes
//! ([`aerie_media::sniff`]); pictures are measured, blurhashed and stripped of their
//! metadata (location included) without re-encoding, then stored in the blob store
//! under `media/ID/original/TOKEN.EXT` (the random token keeps the URL of a
//! followers-only picture unguessable) and served by the host at `/system/KEY`.
//! Videos and sounds are stored as they are. The checks and the storing are
//! [`crate::uploads`], shared with avatars and headers. Processing is synchronous, so
//! both versions answer 200 with the `url` set.

use aerie_core::media::{self, DESCRIPTION_LIMIT, MEDIA_COLUMNS, MediaRow};
use aerie_media::Kind;
use aerie_sdk::db::{self, Value};
use aerie_sdk::http::Response;
use aerie_sdk::{multipart, settings};

use crate::ctx::{Answer, Ctx, invalid};
use crate::uploads;

/// Largest picture, in bytes (Mastodon's `image_size_limit`).
pub const IMAGE_SIZE_LIMIT: usize = 16 << 20;
/// Largest video or sound, in bytes: under the host's default body limit
/// (`server.body_limit_bytes`, 40 MiB) with room for the multipart envelope.
pub const VIDEO_SIZE_LIMIT: usize = 40_000_000;

/// `description` as given: at most [`DESCRIPTION_LIMIT`] characters (422 over it).
fn description(ctx: &Ctx) -> Result<Option<Option<String>>, Response> {
    let Some(text) = ctx.params.get("description") else { return Ok(None) };
    let text = text.trim();
    if text.chars().count() > DESCRIPTION_LIMIT {
        return Err(invalid(&format!("Description is too long (maximum is {DESCRIPTION_LIMIT} characters)")));
    }
    Ok(Some((!text.is_empty()).then(|| text.to_string())))
}

/// `focus` as `(x, y)`, each clamped to -1..1; `Some(None)` clears it.
pub fn focus(raw: Option<&str>) -> Option<Option<(f64, f64)>> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return Some(None);
    }
    let (x, y) = raw.split_once(',')?;
    let (x, y) = (x.trim().parse::<f64>().ok()?, y.trim().parse::<f64>().ok()?);
    (x.is_finite() && y.is_finite()).then_some(Some((x.clamp(-1.0, 1.0), y.clamp(-1.0, 1.0))))
}

/// `POST /api/v1/media` and `POST /api/v2/media`.
pub fn create(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:media")?;
    let blank = || invalid("File can't be blank");
    let boundary = multipart::boundary(ctx.request.header("content-type").unwrap_or("")).ok_or_else(blank)?;
    let parts = multipart::parts(&ctx.request.body, boundary);
    let file = parts.iter().find(|p| p.name == "file").filter(|p| !p.data.is_empty()).ok_or_else(blank)?;
    let format = uploads::recognise("File", file, &[Kind::Image, Kind::Video, Kind::Audio])?;
    uploads::check_size("File", file, if format.kind == Kind::Image { IMAGE_SIZE_LIMIT } else { VIDEO_SIZE_LIMIT })?;
    let description = description(ctx)?.flatten();
    let focus = focus(ctx.params.get("focus")).flatten();

    let (meta, blurhash) = match format.kind {
        Kind::Image => {
            let image = uploads::measure("File", file, &format)?;
            (media::image_meta(image.width, image.height), image.blurhash)
        }
        Kind::Video | Kind::Audio => (serde_json::json!({}), None),
    };

    let id = settings::next_id();
    let key = format!("media/{id}/original/{}.{}", uploads::token(), format.extension);
    let size = uploads::store(&key, file, &format)?;
    let now = settings::now_millis();
    let written = db::execute(
        "INSERT INTO media_attachments (id, account_id, status_id, type, content_type, blob_key, description, blurhash, focus_x, focus_y, \
           meta, file_size, processing, created_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'ready', $12)",
        &[
            Value::Int64(id),
            Value::Int64(viewer),
            Value::Text(format.kind.as_str().into()),
            Value::Text(format.mime.into()),
            Value::Text(key.clone()),
            description.map(Value::Text).unwrap_or(Value::Null),
            blurhash.map(Value::Text).unwrap_or(Value::Null),
            focus.map(|(x, _)| Value::Float64(x)).unwrap_or(Value::Null),
            focus.map(|(_, y)| Value::Float64(y)).unwrap_or(Value::Null),
            Value::Text(meta.to_string()),
            Value::Int64(size as i64),
            Value::Int64(now),
        ],
    );
    if let Err(error) = written {
        uploads::remove(&key);
        return Err(error.into());
    }
    let row = own(viewer, id)?.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &media::media_to_api(&row, &ctx.base)))
}

/// `viewer`'s upload `id`, attached or not.
fn own(viewer: i64, id: i64) -> Result<Option<MediaRow>, Response> {
    let rows = db::query(
        &format!("SELECT {MEDIA_COLUMNS} FROM media_attachments m WHERE m.id = $1 AND m.account_id = $2"),
        &[Value::Int64(id), Value::Int64(viewer)],
    )?;
    Ok(rows.first().map(|r| MediaRow::from_row(&r)))
}

/// `GET /api/v1/media/:id`: the viewer's own upload (206 while it is processing);
/// anyone else's is 404.
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:media")?;
    let row = own(viewer, id)?.ok_or_else(Response::not_found)?;
    let status = if row.processing == "ready" { 200 } else { 206 };
    Ok(Response::to_json(status, &media::media_to_api(&row, &ctx.base)))
}

/// `PUT /api/v1/media/:id`: a new description or focal point, until the file is posted.
pub fn update(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:media")?;
    let row = own(viewer, id)?.filter(|m| m.status_id.is_none()).ok_or_else(Response::not_found)?;
    if let Some(description) = description(ctx)? {
        db::execute(
            "UPDATE media_attachments SET description = $2 WHERE id = $1",
            &[Value::Int64(row.id), description.map(Value::Text).unwrap_or(Value::Null)],
        )?;
    }
    if let Some(focus) = focus(ctx.params.get("focus")) {
        db::execute(
            "UPDATE media_attachments SET focus_x = $2, focus_y = $3 WHERE id = $1",
            &[
                Value::Int64(row.id),
                focus.map(|(x, _)| Value::Float64(x)).unwrap_or(Value::Null),
                focus.map(|(_, y)| Value::Float64(y)).unwrap_or(Value::Null),
            ],
        )?;
    }
    let row = own(viewer, id)?.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &media::media_to_api(&row, &ctx.base)))
}

/// `DELETE /api/v1/media/:id`: an upload that was never posted, with its file.
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:media")?;
    let row = own(viewer, id)?.filter(|m| m.status_id.is_none()).ok_or_else(Response::not_found)?;
    db::execute("DELETE FROM media_attachments WHERE id = $1 AND status_id IS NULL", &[Value::Int64(row.id)])?;
    remove_files(std::slice::from_ref(&row));
    Ok(Response::json(200, &serde_json::json!({})))
}

/// Removes the stored files of `rows` (best effort: a failure is logged).
pub fn remove_files(rows: &[MediaRow]) {
    for key in rows.iter().flat_map(|m| m.blob_key.iter().chain(m.thumbnail_key.iter())) {
        uploads::remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::focus;

    #[test]
    fn focal_points() {
        assert_eq!(focus(Some("0.5,-0.25")), Some(Some((0.5, -0.25))));
        assert_eq!(focus(Some(" -3 , 2 ")), Some(Some((-1.0, 1.0))));
        assert_eq!(focus(Some("")), Some(None));
        assert_eq!(focus(Some("nonsense")), None);
        assert_eq!(focus(Some("NaN,0")), None);
        assert_eq!(focus(None), None);
    }
}
