//! Media attachments in the three vocabularies: `media_attachments` rows, the
//! Mastodon `MediaAttachment` entity and the ActivityStreams `Document` a Note
//! carries; and remote attachments, stored by reference (`remote_url`, nothing
//! downloaded yet).
//!
//! A local file lives in the blob store under `blob_key` (`media/ID/original/TOKEN.EXT`)
//! and is served by the host at `BASE/system/KEY` ([`file_url`]); a remote one is
//! shown at its `remote_url`.

use std::collections::HashMap;

use serde_json::{Value as Json, json};

use crate::activitystreams::{self as as2, Note};
use crate::entities::MediaAttachment;
use aerie_sdk::db;

use crate::store;

/// The columns [`MediaRow::from_row`] reads, for a table aliased `m`.
pub const MEDIA_COLUMNS: &str = "m.id, m.account_id, m.status_id, m.type, m.content_type, m.blob_key, m.thumbnail_key, m.remote_url, \
    m.description, m.blurhash, m.focus_x, m.focus_y, m.meta, m.file_size, m.processing, m.sort_order, m.created_at";

/// Where the host serves the blob store's `media/` keys: `BASE/system/media/...`.
pub use crate::contract::blob_keys::URL_PATH;

/// Longest description kept (Mastodon's `description_limit`).
pub const DESCRIPTION_LIMIT: usize = 1500;

/// Most attachments stored for one remote status (Misskey and others send up to 16).
pub const MAX_REMOTE: usize = 16;

/// One `media_attachments` row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaRow {
    pub id: i64,
    pub account_id: i64,
    pub status_id: Option<i64>,
    /// `image`, `gifv`, `video`, `audio` or `unknown`.
    pub kind: String,
    pub content_type: Option<String>,
    pub blob_key: Option<String>,
    pub thumbnail_key: Option<String>,
    pub remote_url: Option<String>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub focus: Option<(f64, f64)>,
    /// JSON: `{"original": {"width", "height", "size", "aspect"}}` and the like.
    pub meta: String,
    pub file_size: Option<i64>,
    /// `pending`, `ready` or `failed`.
    pub processing: String,
    /// Place among the status's attachments, as the author ordered them.
    pub sort_order: i64,
    pub created_at: i64,
}

impl MediaRow {
    pub fn from_row(row: &db::Row) -> MediaRow {
        let float = |name: &'static str| match row.get(name) {
            Some(db::Cell::Float64(f)) => Some(f),
            Some(db::Cell::Int64(i)) => Some(i as f64),
            _ => None,
        };
        MediaRow {
            id: row.i64("id").unwrap_or_default(),
            account_id: row.i64("account_id").unwrap_or_default(),
            status_id: row.i64("status_id"),
            kind: row.string("type").unwrap_or_else(|| "unknown".into()),
            content_type: row.string("content_type"),
            blob_key: row.string("blob_key"),
            thumbnail_key: row.string("thumbnail_key"),
            remote_url: row.string("remote_url"),
            description: row.string("description").filter(|d| !d.is_empty()),
            blurhash: row.string("blurhash"),
            focus: float("focus_x").zip(float("focus_y")),
            meta: row.string("meta").unwrap_or_else(|| "{}".into()),
            file_size: row.i64("file_size"),
            processing: row.string("processing").unwrap_or_else(|| "ready".into()),
            sort_order: row.i64("sort_order").unwrap_or_default(),
            created_at: row.i64("created_at").unwrap_or_default(),
        }
    }

    /// `meta.original` width and height, when known.
    pub fn size(&self) -> Option<(u64, u64)> {
        let meta: Json = serde_json::from_str(&self.meta).ok()?;
        let original = meta.get("original")?;
        Some((original.get("width")?.as_u64()?, original.get("height")?.as_u64()?))
    }
}

/// The `meta` of a picture of `width × height` pixels, as Mastodon writes it.
pub fn image_meta(width: u32, height: u32) -> Json {
    let aspect = if height == 0 { 0.0 } else { f64::from(width) / f64::from(height) };
    json!({ "original": { "width": width, "height": height, "size": format!("{width}x{height}"), "aspect": aspect } })
}

/// The absolute URL of a blob key as the host serves it.
pub fn blob_url(base: &str, key: &str) -> String {
    crate::contract::blob_keys::url(base, key)
}

/// The file's URL: the local copy when there is one, else where its server has it.
pub fn file_url(row: &MediaRow, base: &str) -> Option<String> {
    row.blob_key.as_deref().map(|key| blob_url(base, key)).or_else(|| row.remote_url.clone())
}

/// The preview's URL: the thumbnail, or the picture itself.
pub fn preview_url(row: &MediaRow, base: &str) -> Option<String> {
    match &row.thumbnail_key {
        Some(key) => Some(blob_url(base, key)),
        None if matches!(row.kind.as_str(), "image" | "gifv") => file_url(row, base),
        None => None,
    }
}

/// A row as the client `MediaAttachment` (`url` null while it is still processing).
pub fn media_to_api(row: &MediaRow, base: &str) -> MediaAttachment {
    let mut meta: Json = serde_json::from_str(&row.meta).unwrap_or_else(|_| json!({}));
    if !meta.is_object() {
        meta = json!({});
    }
    if let (Some((x, y)), Some(map)) = (row.focus, meta.as_object_mut()) {
        map.insert("focus".into(), json!({ "x": x, "y": y }));
    }
    let ready = row.processing == "ready" || row.blob_key.is_none();
    MediaAttachment {
        id: row.id.to_string(),
        kind: row.kind.clone(),
        url: if ready { file_url(row, base) } else { None },
        preview_url: preview_url(row, base),
        remote_url: row.remote_url.clone(),
        preview_remote_url: None,
        text_url: None,
        meta,
        description: row.description.clone(),
        blurhash: row.blurhash.clone(),
    }
}

/// A local row as the `Document` a Note carries, as Mastodon writes it.
pub fn media_to_attachment(row: &MediaRow, base: &str) -> as2::Attachment {
    let size = row.size();
    as2::Attachment {
        kind: "Document".into(),
        media_type: row.content_type.clone(),
        url: file_url(row, base),
        name: row.description.clone(),
        blurhash: row.blurhash.clone(),
        focal_point: matches!(row.kind.as_str(), "image" | "gifv").then(|| {
            let (x, y) = row.focus.unwrap_or((0.0, 0.0));
            vec![x, y]
        }),
        width: size.map(|(w, _)| w),
        height: size.map(|(_, h)| h),
        ..Default::default()
    }
}

/// The attachments of `status_ids`, each list in the author's order.
pub fn for_statuses(status_ids: &[i64]) -> Result<HashMap<i64, Vec<MediaRow>>, db::Error> {
    store::media::for_statuses(&db::Autocommit, status_ids)
}

/// Rows by id (attached or not), for the versions of an edited status.
pub fn by_ids(media_ids: &[i64]) -> Result<HashMap<i64, MediaRow>, db::Error> {
    store::media::by_ids(&db::Autocommit, media_ids)
}

// ---------------------------------------------------------------------------
// Remote attachments
// ---------------------------------------------------------------------------

/// An attachment of a remote Note, to store by reference.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteMedia {
    pub kind: &'static str,
    pub content_type: Option<String>,
    pub url: String,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub focus: Option<(f64, f64)>,
    pub width: Option<u64>,
    pub height: Option<u64>,
}

fn kind_by_extension(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let (_, extension) = path.rsplit_once('.')?;
    Some(match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" | "png" | "gif" | "webp" | "avif" | "heic" | "jxl" => "image",
        "mp4" | "m4v" | "mov" | "webm" | "ogv" => "video",
        "mp3" | "ogg" | "oga" | "opus" | "wav" | "flac" | "m4a" | "aac" => "audio",
        _ => return None,
    })
}

/// What an attachment is, as Mastodon's `type` names it.
fn remote_kind(attachment: &as2::Attachment, url: &str) -> &'static str {
    let media_type = attachment.media_type.as_deref().unwrap_or("").to_ascii_lowercase();
    match media_type.split('/').next().unwrap_or("") {
        "image" => return "image",
        "video" => return "video",
        "audio" => return "audio",
        _ => {}
    }
    match attachment.kind.as_str() {
        "Image" => "image",
        "Video" => "video",
        "Audio" => "audio",
        _ => kind_by_extension(url).unwrap_or("unknown"),
    }
}

/// The files attached to `note` (`Document`, `Image`, `Video`, `Audio` with an
/// http(s) URL; links, profile fields and web pages are not files), at most
/// [`MAX_REMOTE`].
pub fn note_attachments(note: &Note) -> Vec<RemoteMedia> {
    note.attachment
        .iter()
        .filter(|a| !matches!(a.kind.as_str(), "Link" | "PropertyValue" | "Hashtag" | "Mention" | "Emoji" | "Note"))
        .filter(|a| a.media_type.as_deref() != Some("text/html"))
        .filter_map(|a| {
            let url = a.url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://"))?;
            let focus = a
                .focal_point
                .as_deref()
                .and_then(|p| Some((p.first()?.clamp(-1.0, 1.0), p.get(1)?.clamp(-1.0, 1.0))))
                .filter(|(x, y)| x.is_finite() && y.is_finite());
            Some(RemoteMedia {
                kind: remote_kind(a, &url),
                content_type: a.media_type.clone().filter(|m| m.len() <= 255 && m.contains('/')),
                description: a
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(|d| d.chars().take(DESCRIPTION_LIMIT).collect()),
                blurhash: a.blurhash.clone().filter(|b| b.len() <= 255 && b.is_ascii()),
                focus,
                width: a.width.filter(|w| *w > 0 && *w <= 100_000),
                height: a.height.filter(|h| *h > 0 && *h <= 100_000),
                url,
            })
        })
        .take(MAX_REMOTE)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(attachment: Json) -> Note {
        serde_json::from_value(json!({ "id": "https://b.example/n/1", "type": "Note", "attachment": attachment })).unwrap()
    }

    #[test]
    fn mastodon_pleroma_misskey_and_lemmy_shapes() {
        let media = note_attachments(&note(json!([
            { "type": "Document", "mediaType": "image/jpeg", "url": "https://b.example/a.jpg", "name": "A cat",
              "blurhash": "UOKxk.NDWRnl4-D%Riax?wNHs=X4FwNEWAR-", "focalPoint": [0.5, -2.0], "width": 1500, "height": 1095 },
            { "type": "Document", "mediaType": "video/mp4", "url": [{ "type": "Link", "href": "https://b.example/v.mp4", "mediaType": "video/mp4" }] },
            { "type": "Document", "mediaType": "image/webp", "url": "https://m.example/x.webp", "name": null, "sensitive": false },
            { "type": "Link", "href": "https://lemmy.example/pictrs/image/x.jpg" },
            { "type": "Link", "href": "https://example.com/article", "mediaType": "text/html" },
            { "type": "PropertyValue", "name": "a", "value": "b" },
            { "type": "Image", "url": "https://owncast.example/preview.gif?us=1" },
            { "type": "Document", "url": "https://b.example/sound.ogg" },
            { "type": "Document", "url": "javascript:alert(1)" }
        ])));
        let summary: Vec<(&str, &str)> = media.iter().map(|m| (m.kind, m.url.as_str())).collect();
        assert_eq!(
            summary,
            [
                ("image", "https://b.example/a.jpg"),
                ("video", "https://b.example/v.mp4"),
                ("image", "https://m.example/x.webp"),
                ("image", "https://owncast.example/preview.gif?us=1"),
                ("audio", "https://b.example/sound.ogg"),
            ]
        );
        assert_eq!(media[0].description.as_deref(), Some("A cat"));
        assert_eq!(media[0].focus, Some((0.5, -1.0)));
        assert_eq!((media[0].width, media[0].height), (Some(1500), Some(1095)));
        assert_eq!(media[2].description, None);
        // A single attachment that is not a list.
        assert_eq!(note_attachments(&note(json!({ "type": "Image", "url": "https://b.example/p.png" }))).len(), 1);
        // Many: at most MAX_REMOTE.
        let many: Vec<Json> = (0..30).map(|i| json!({ "type": "Document", "url": format!("https://b.example/{i}.png") })).collect();
        assert_eq!(note_attachments(&note(Json::Array(many))).len(), MAX_REMOTE);
    }

    #[test]
    fn entity_and_document() {
        let row = MediaRow {
            id: 7,
            account_id: 1,
            kind: "image".into(),
            content_type: Some("image/png".into()),
            blob_key: Some("media/7/original/abc.png".into()),
            description: Some("A red square".into()),
            blurhash: Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj".into()),
            focus: Some((0.25, -0.5)),
            meta: image_meta(640, 480).to_string(),
            processing: "ready".into(),
            ..Default::default()
        };
        let api = serde_json::to_value(media_to_api(&row, "https://a.example")).unwrap();
        assert_eq!(api["id"], "7");
        assert_eq!(api["type"], "image");
        assert_eq!(api["url"], "https://a.example/system/media/7/original/abc.png");
        assert_eq!(api["preview_url"], api["url"]);
        assert_eq!(api["remote_url"], Json::Null);
        assert_eq!(api["meta"]["original"], json!({ "width": 640, "height": 480, "size": "640x480", "aspect": 640.0 / 480.0 }));
        assert_eq!(api["meta"]["focus"], json!({ "x": 0.25, "y": -0.5 }));
        let document = serde_json::to_value(media_to_attachment(&row, "https://a.example")).unwrap();
        assert_eq!(
            document,
            json!({ "type": "Document", "mediaType": "image/png", "url": "https://a.example/system/media/7/original/abc.png",
                    "name": "A red square", "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "focalPoint": [0.25, -0.5],
                    "width": 640, "height": 480 })
        );
        // A remote one shows its remote URL.
        let remote = MediaRow { blob_key: None, remote_url: Some("https://b.example/a.jpg".into()), ..row };
        let api = media_to_api(&remote, "https://a.example");
        assert_eq!(api.url.as_deref(), Some("https://b.example/a.jpg"));
        assert_eq!(api.remote_url.as_deref(), Some("https://b.example/a.jpg"));
    }
}
