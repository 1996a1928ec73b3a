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

use aerie_core::media::{self, DESCRIPTION_LIMIT, MediaRow};
use aerie_core::store;
use aerie_core::store::media::{Owned, Upload};
use aerie_media::Kind;
use aerie_sdk::db::Autocommit;
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
    let key = aerie_core::contract::blob_keys::media_original(id, &uploads::token(), format.extension);
    let size = uploads::store(&key, file, &format)?;
    let now = settings::now_millis();
    let upload = Upload {
        id,
        account_id: viewer,
        kind: format.kind.as_str().into(),
        content_type: format.mime.into(),
        blob_key: key.clone(),
        description,
        blurhash,
        focus,
        meta: meta.to_string(),
        file_size: size as i64,
        created_at: now,
    };
    let written = store::media::insert_upload(&Autocommit, &upload);
    if let Err(error) = written {
        uploads::remove(&key);
        return Err(error.into());
    }
    let row = own(viewer, id)?.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &media::media_to_api(&row, &ctx.base)))
}

/// `viewer`'s upload `id`, attached or not.
fn own(viewer: i64, id: i64) -> Result<Option<MediaRow>, Response> {
    Ok(store::media::own(&Autocommit, viewer, id)?)
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
        store::media::describe(&Autocommit, row.id, Owned::Any, description)?;
    }
    if let Some(focus) = focus(ctx.params.get("focus")) {
        store::media::set_focus(&Autocommit, row.id, Owned::Any, focus)?;
    }
    let row = own(viewer, id)?.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &media::media_to_api(&row, &ctx.base)))
}

/// `DELETE /api/v1/media/:id`: an upload that was never posted, with its file.
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:media")?;
    let row = own(viewer, id)?.filter(|m| m.status_id.is_none()).ok_or_else(Response::not_found)?;
    store::media::delete_unattached(&Autocommit, row.id)?;
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
