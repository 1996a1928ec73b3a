//! Files clients upload — media attachments, avatars and headers — checked and stored
//! one way: recognised by their bytes ([`aerie_media::sniff`], never the name or the
//! declared type alone), held to a size limit, pictures measured (within
//! [`aerie_media::IMAGE_MATRIX_LIMIT`]) and stored without their metadata
//! ([`aerie_media::clean`], no re-encoding) in the blob store under a key with a
//! random token, so the URL of a file cannot be guessed from another.
//!
//! `label` is the attribute Mastodon names in its 422s: `File`, `Avatar`, `Header`.

use aerie_media::{Format, Image, ImageError, Kind};
use aerie_sdk::http::Response;
use aerie_sdk::multipart::Part;
use aerie_sdk::{blobs, log};

use crate::ctx::invalid;

/// `bytes` as Mastodon words a limit ("16 MB").
fn megabytes(bytes: usize) -> String {
    format!("{} MB", bytes / 1_000_000)
}

/// What `part` is, by its bytes; 422 unless it is one of `kinds`.
pub fn recognise(label: &str, part: &Part, kinds: &[Kind]) -> Result<Format, Response> {
    aerie_media::sniff(part.data, part.content_type.as_deref())
        .filter(|format| kinds.contains(&format.kind))
        .ok_or_else(|| invalid(&format!("{label} content type is invalid")))
}

/// 422 when `part` holds more than `limit` bytes.
pub fn check_size(label: &str, part: &Part, limit: usize) -> Result<(), Response> {
    if part.data.len() > limit {
        return Err(invalid(&format!("{label} file size must be less than {}", megabytes(limit))));
    }
    Ok(())
}

/// The dimensions and blurhash of the picture in `part`; 422 when it cannot be read
/// or has too many pixels.
pub fn measure(label: &str, part: &Part, format: &Format) -> Result<Image, Response> {
    aerie_media::read_image(part.data, format).map_err(|error| match error {
        ImageError::TooLarge { .. } => {
            invalid(&format!("{label} dimensions exceed the limit of {} pixels", aerie_media::IMAGE_MATRIX_LIMIT))
        }
        ImageError::Unreadable => invalid(&format!("{label} could not be processed")),
    })
}

/// A random token for a file name, from the host's `wasi:random`.
pub fn token() -> String {
    format!("{:016x}", wasip2::random::random::get_random_u64())
}

/// Stores the file in `part` (of `format`) under `key` and returns its size: a picture
/// without its metadata, anything else as it is. 503 when the store fails.
pub fn store(key: &str, part: &Part, format: &Format) -> Result<u64, Response> {
    let pieces = aerie_media::clean(part.data, format);
    blobs::put(key, Some(format.mime), pieces.iter().map(|p| &p[..])).map_err(|error| {
        log::warn(&format!("storing an upload under {key} failed: {error:?}"));
        Response::error(503, "The media store is unavailable, try again shortly")
    })
}

/// Removes the file under `key` (best effort: a failure is logged, and leaves only an
/// unreferenced file behind).
pub fn remove(key: &str) {
    if let Err(error) = blobs::delete(key) {
        log::warn(&format!("removing the file {key} failed: {error:?}"));
    }
}
