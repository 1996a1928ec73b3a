//! Uploaded media the way the Mastodon API takes it, without re-encoding anything:
//!
//! - [`sniff`]: what a file is, from its first bytes (never from the name or the
//!   declared type alone, so nothing but a picture, a video or a sound is ever stored
//!   and served from the instance's origin);
//! - [`read_image`]: dimensions as shown (EXIF orientation applied) and a blurhash
//!   from a small decode with bounded memory (JPEG decoded at 1/8 size, PNG row by
//!   row, GIF's first frame as palette indexes, the others only when small);
//! - [`clean`]: the file without the metadata a phone writes into it (EXIF with the
//!   location, XMP, IPTC, comments, text chunks, trailing extra images), as pieces to
//!   write one after the other; a JPEG keeps only its orientation.
//!
//! Pure Rust, no WASI imports: the `mastodon-api` component calls it, and its tests
//! run natively.

mod blur;
mod clean;
mod sniff;

pub use clean::clean;
pub use sniff::{Format, Kind, SUPPORTED_MIME_TYPES, sniff};

/// Largest picture accepted, in pixels (Mastodon's `image_matrix_limit`, 7680×4320).
pub const IMAGE_MATRIX_LIMIT: u64 = 33_177_600;

/// Components of the blurhash, as Mastodon computes it.
const BLURHASH_COMPONENTS: (u32, u32) = (4, 4);

/// What a picture looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// As shown: a JPEG turned by its EXIF orientation has its sides swapped.
    pub width: u32,
    pub height: u32,
    /// `None` when the picture is too large to decode within the memory bound (a
    /// progressive JPEG over about 8 megapixels, an interlaced PNG or a GIF over 4,
    /// a WebP over 2.3), or its pixels do not decode.
    pub blurhash: Option<String>,
}

/// Why a picture was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// The header cannot be read: not really a picture of its type.
    Unreadable,
    /// More pixels than [`IMAGE_MATRIX_LIMIT`].
    TooLarge { width: u32, height: u32 },
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageError::Unreadable => write!(f, "the picture cannot be read"),
            ImageError::TooLarge { width, height } => {
                write!(f, "{width}×{height} pixels is more than the limit of {IMAGE_MATRIX_LIMIT}")
            }
        }
    }
}

/// Dimensions and blurhash of the picture `bytes` (of image format `format`).
pub fn read_image(bytes: &[u8], format: &Format) -> Result<Image, ImageError> {
    let (width, height, orientation) = clean::dimensions(bytes, format).ok_or(ImageError::Unreadable)?;
    if width == 0 || height == 0 {
        return Err(ImageError::Unreadable);
    }
    if u64::from(width) * u64::from(height) > IMAGE_MATRIX_LIMIT {
        return Err(ImageError::TooLarge { width, height });
    }
    let blurhash = blur::grid(bytes, format, width, height).map(|grid| grid.oriented(orientation)).and_then(|grid| {
        let (x, y) = BLURHASH_COMPONENTS;
        blurhash::encode(x, y, grid.width, grid.height, &grid.rgba).ok()
    });
    let (width, height) = if orientation >= 5 { (height, width) } else { (width, height) };
    Ok(Image { width, height, blurhash })
}

#[cfg(test)]
mod tests;
