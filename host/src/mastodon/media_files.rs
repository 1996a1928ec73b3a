//! `GET /system/media/KEY`, `GET /system/accounts/KEY` and `GET /system/emojis/KEY`:
//! the files stored in the blob store under `media/...` (attachments), `accounts/...`
//! (local avatars and headers) and `emojis/...` (local custom emoji) — nothing else in the store is public — streamed from either
//! backend with single byte ranges for video seeking.
//!
//! What a browser gets is decided here, not by the stored bytes: the media type comes
//! from the key's extension (the `mastodon-api` component names keys after the type
//! it recognised in the bytes), with `nosniff` and a CSP that forbids scripts, so a
//! file can never run as a page of the instance. Keys are checked like every blob
//! key (no `..`, no absolute paths, no backslashes). File names carry a random token
//! and never change, so they are cached for a year.

use std::sync::Arc;

use aerie_contract::blob_keys::{ACCOUNTS_PREFIX, EMOJIS_PREFIX, MEDIA_PREFIX, URL_PATH};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use tokio_util::io::ReaderStream;

use crate::blobs::{BlobError, BlobStore};
use crate::server::AppState;
use crate::server::error::json_error;

pub fn routes() -> Router<Arc<AppState>> {
    // `/system/media/{*rest}` and `/system/accounts/{*rest}`: the blob keys components
    // write, at the path core's URLs name (aerie-contract's blob_keys).
    Router::new()
        .route(&format!("{URL_PATH}{MEDIA_PREFIX}{{*rest}}"), get(media))
        .route(&format!("{URL_PATH}{ACCOUNTS_PREFIX}{{*rest}}"), get(accounts))
        .route(&format!("{URL_PATH}{EMOJIS_PREFIX}{{*rest}}"), get(emojis))
}

async fn media(State(state): State<Arc<AppState>>, Path(rest): Path<String>, headers: HeaderMap) -> Response {
    serve(&state, format!("{MEDIA_PREFIX}{rest}"), &headers).await
}

async fn accounts(State(state): State<Arc<AppState>>, Path(rest): Path<String>, headers: HeaderMap) -> Response {
    serve(&state, format!("{ACCOUNTS_PREFIX}{rest}"), &headers).await
}

/// Local custom emoji (`aerie admin emoji add`).
async fn emojis(State(state): State<Arc<AppState>>, Path(rest): Path<String>, headers: HeaderMap) -> Response {
    serve(&state, format!("{EMOJIS_PREFIX}{rest}"), &headers).await
}

/// The media type a stored file is served with, by its extension.
pub fn content_type(key: &str) -> &'static str {
    let extension = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "ogv" => "video/ogg",
        "m4a" => "audio/mp4",
        "weba" => "audio/webm",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "aac" => "audio/aac",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        _ => "application/octet-stream",
    }
}

/// A single `bytes=` range of an object of `size` bytes as `(offset, len)`; `None`
/// for a header this does not serve ranges for (the whole file is sent), `Err` for
/// a range past the end.
fn range(headers: &HeaderMap, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = headers.get(header::RANGE)?.to_str().ok()?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None; // several ranges: the whole file instead
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    let (offset, last) = if start.is_empty() {
        let suffix: u64 = end.parse().ok()?;
        if suffix == 0 {
            return Some(Err(()));
        }
        (size.saturating_sub(suffix), size.checked_sub(1)?)
    } else {
        let offset: u64 = start.parse().ok()?;
        let last = if end.is_empty() { size.saturating_sub(1) } else { end.parse::<u64>().ok()?.min(size.saturating_sub(1)) };
        (offset, last)
    };
    if offset >= size || last < offset {
        return Some(Err(()));
    }
    Some(Ok((offset, last - offset + 1)))
}

fn unavailable(error: BlobError) -> Response {
    tracing::warn!(error = %error, "serving a media file failed");
    json_error(503, "The media store is unavailable, try again shortly")
}

async fn serve(state: &AppState, key: String, headers: &HeaderMap) -> Response {
    let store: &BlobStore = state.runtime.blobs();
    if crate::blobs::check_key(&key).is_err() {
        return json_error(404, "Not found");
    }
    let size = match store.head(&key).await {
        Ok(Some(size)) => size,
        Ok(None) => return json_error(404, "Not found"),
        Err(e) => return unavailable(e),
    };
    let wanted = range(headers, size);
    let (offset, len) = match wanted {
        Some(Err(())) => {
            return (StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{size}"))]).into_response();
        }
        Some(Ok(range)) => range,
        None => (0, size),
    };
    let blob = match store.get_range(&key, offset, Some(len)).await {
        Ok(Some(blob)) => blob,
        Ok(None) => return json_error(404, "Not found"),
        Err(BlobError::OutOfRange { .. }) => {
            return (StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{size}"))]).into_response();
        }
        Err(e) => return unavailable(e),
    };
    let mut response = Response::new(Body::from_stream(ReaderStream::new(blob.reader)));
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&key)));
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(blob.len));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; form-action 'none'; sandbox"));
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if wanted.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(value) = HeaderValue::from_str(&format!("bytes {offset}-{}/{size}", offset + blob.len - 1)) {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranged(value: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        range(&headers, size)
    }

    #[test]
    fn byte_ranges() {
        assert_eq!(ranged("bytes=0-99", 1000), Some(Ok((0, 100))));
        assert_eq!(ranged("bytes=900-", 1000), Some(Ok((900, 100))));
        assert_eq!(ranged("bytes=-10", 1000), Some(Ok((990, 10))));
        assert_eq!(ranged("bytes=990-5000", 1000), Some(Ok((990, 10))));
        assert_eq!(ranged("bytes=1000-", 1000), Some(Err(())));
        assert_eq!(ranged("bytes=5-1", 1000), Some(Err(())));
        assert_eq!(ranged("bytes=0-1,5-6", 1000), None);
        assert_eq!(ranged("items=0-1", 1000), None);
        assert_eq!(range(&HeaderMap::new(), 1000), None);
    }

    #[test]
    fn types_by_extension() {
        assert_eq!(content_type("media/1/original/ab.jpg"), "image/jpeg");
        assert_eq!(content_type("media/1/original/ab.MP4"), "video/mp4");
        assert_eq!(content_type("media/1/original/ab.svg"), "application/octet-stream");
        assert_eq!(content_type("media/1/original/ab"), "application/octet-stream");
    }
}
