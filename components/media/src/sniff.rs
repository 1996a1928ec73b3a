//! What a file is, from its first bytes. The declared type only decides what the
//! bytes cannot (an Ogg or WebM file holding sound or pictures, an MPEG-4 file
//! holding only sound); a declared type that the bytes contradict is ignored.

/// What an attachment is, as Mastodon's `type` names it (GIFs stay `image`: they
/// are not converted to `gifv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Video,
    Audio,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Video => "video",
            Kind::Audio => "audio",
        }
    }
}

/// A recognised file: its kind, the media type it is served with and the extension
/// it is stored under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub kind: Kind,
    pub mime: &'static str,
    pub extension: &'static str,
}

const fn format(kind: Kind, mime: &'static str, extension: &'static str) -> Format {
    Format { kind, mime, extension }
}

pub const JPEG: Format = format(Kind::Image, "image/jpeg", "jpg");
pub const PNG: Format = format(Kind::Image, "image/png", "png");
pub const GIF: Format = format(Kind::Image, "image/gif", "gif");
pub const WEBP: Format = format(Kind::Image, "image/webp", "webp");
const MP4: Format = format(Kind::Video, "video/mp4", "mp4");
const QUICKTIME: Format = format(Kind::Video, "video/quicktime", "mov");
const WEBM: Format = format(Kind::Video, "video/webm", "webm");
const OGV: Format = format(Kind::Video, "video/ogg", "ogv");
const M4A: Format = format(Kind::Audio, "audio/mp4", "m4a");
const WEBA: Format = format(Kind::Audio, "audio/webm", "weba");
const OGG: Format = format(Kind::Audio, "audio/ogg", "ogg");
const MP3: Format = format(Kind::Audio, "audio/mpeg", "mp3");
const AAC: Format = format(Kind::Audio, "audio/aac", "aac");
const FLAC: Format = format(Kind::Audio, "audio/flac", "flac");
const WAV: Format = format(Kind::Audio, "audio/wav", "wav");

/// The media types clients may upload (the instance's `supported_mime_types`); each
/// is recognised by [`sniff`].
pub const SUPPORTED_MIME_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "video/ogg",
    "audio/mpeg",
    "audio/mp3",
    "audio/mp4",
    "audio/m4a",
    "audio/x-m4a",
    "audio/aac",
    "audio/ogg",
    "audio/vorbis",
    "audio/webm",
    "audio/flac",
    "audio/wav",
    "audio/wave",
    "audio/x-wav",
    "audio/vnd.wave",
];

/// Whether the declared type says sound.
fn says_audio(declared: Option<&str>) -> bool {
    declared.is_some_and(|d| d.trim().to_ascii_lowercase().starts_with("audio/"))
}

/// What `bytes` is, given what the client `declared` (the part's `Content-Type`);
/// `None` for anything that is not a supported picture, video or sound.
pub fn sniff(bytes: &[u8], declared: Option<&str>) -> Option<Format> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Some(JPEG);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return Some(PNG);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Some(GIF);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Some(WEBP);
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return Some(WAV);
    }
    if at(4, b"ftyp") {
        let brand = bytes.get(8..12)?;
        return Some(match brand {
            b"qt  " => QUICKTIME,
            b"M4A " | b"M4B " | b"M4P " => M4A,
            _ if says_audio(declared) => M4A,
            _ => MP4,
        });
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(if says_audio(declared) { WEBA } else { WEBM });
    }
    if at(0, b"OggS") {
        let video = declared.is_some_and(|d| d.trim().to_ascii_lowercase().starts_with("video/"));
        return Some(if video { OGV } else { OGG });
    }
    if at(0, b"fLaC") {
        return Some(FLAC);
    }
    if at(0, b"ID3") {
        return Some(MP3);
    }
    match (bytes.first(), bytes.get(1)) {
        // ADTS AAC: 12-bit sync, layer 00.
        (Some(0xFF), Some(b)) if b & 0xF6 == 0xF0 => Some(AAC),
        // An MPEG audio frame: 11-bit sync, a layer other than the reserved 00.
        (Some(0xFF), Some(b)) if b & 0xE0 == 0xE0 && b & 0x06 != 0 => Some(MP3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_by_bytes_not_by_name() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest", Some("image/png")), Some(JPEG));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", None), Some(PNG));
        assert_eq!(sniff(b"GIF89a..", Some("application/octet-stream")), Some(GIF));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ", None), Some(WEBP));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt ", None).map(|f| f.kind), Some(Kind::Audio));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom", None), Some(MP4));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom", Some("audio/mp4")).map(|f| f.kind), Some(Kind::Audio));
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  ", None).map(|f| f.mime), Some("video/quicktime"));
        assert_eq!(sniff(b"\x1a\x45\xdf\xa3....", None).map(|f| f.mime), Some("video/webm"));
        assert_eq!(sniff(b"OggS\0\x02", None).map(|f| f.kind), Some(Kind::Audio));
        assert_eq!(sniff(b"OggS\0\x02", Some("video/ogg")).map(|f| f.kind), Some(Kind::Video));
        assert_eq!(sniff(b"ID3\x04\0", None).map(|f| f.mime), Some("audio/mpeg"));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x00], None).map(|f| f.mime), Some("audio/mpeg"));
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80], None).map(|f| f.mime), Some("audio/aac"));
        assert_eq!(sniff(b"fLaC\0\0\0\x22", None).map(|f| f.mime), Some("audio/flac"));
    }

    #[test]
    fn refuses_everything_else() {
        for bytes in [&b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..], b"<html><script>", b"%PDF-1.7", b"", b"\xFF", b"PK\x03\x04"] {
            assert_eq!(sniff(bytes, Some("image/png")), None, "{bytes:?}");
        }
    }

    #[test]
    fn every_advertised_type_is_recognised() {
        for mime in SUPPORTED_MIME_TYPES {
            assert!(mime.starts_with("image/") || mime.starts_with("video/") || mime.starts_with("audio/"), "{mime}");
        }
    }
}
