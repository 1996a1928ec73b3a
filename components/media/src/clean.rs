//! Reading picture headers (dimensions, EXIF orientation) and writing the picture
//! again without its metadata, by walking the container: no pixel is decoded or
//! re-encoded, so quality and size stay as uploaded.

use std::borrow::Cow;

use crate::sniff::{Format, GIF, JPEG, PNG, WEBP};

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// For a JPEG: the bytes its coefficients take while a progressive decode runs.
pub(crate) fn jpeg_coefficient_bytes(bytes: &[u8]) -> Option<u64> {
    Jpeg::parse(bytes)?.coefficient_bytes(bytes)
}

/// `(width, height, EXIF orientation 1..=8)` as stored (not yet turned).
pub(crate) fn dimensions(bytes: &[u8], format: &Format) -> Option<(u32, u32, u8)> {
    match *format {
        JPEG => {
            let jpeg = Jpeg::parse(bytes)?;
            let (width, height) = jpeg.size(bytes)?;
            Some((width, height, jpeg.orientation(bytes)))
        }
        PNG => {
            let ihdr = png_chunks(bytes)?.into_iter().find(|c| &c.kind == b"IHDR")?;
            Some((be32(bytes, ihdr.data)?, be32(bytes, ihdr.data + 4)?, 1))
        }
        GIF => Some((u32::from(le16(bytes, 6)?), u32::from(le16(bytes, 8)?), 1)),
        WEBP => webp_size(bytes).map(|(w, h)| (w, h, 1)),
        _ => None,
    }
}

/// The file without its metadata, as pieces to write in order (borrowed from
/// `bytes` except for the few rewritten headers). Formats it cannot walk, and
/// videos and sounds, come back whole.
pub fn clean<'a>(bytes: &'a [u8], format: &Format) -> Vec<Cow<'a, [u8]>> {
    let cleaned = match *format {
        JPEG => clean_jpeg(bytes),
        PNG => clean_png(bytes),
        WEBP => clean_webp(bytes),
        _ => None,
    };
    cleaned.unwrap_or_else(|| vec![Cow::Borrowed(bytes)])
}

// ---------------------------------------------------------------------------
// JPEG
// ---------------------------------------------------------------------------

/// A marker segment: `start` at its `0xFF`, `end` past its payload.
#[derive(Debug, Clone, Copy)]
struct Segment {
    marker: u8,
    start: usize,
    end: usize,
}

impl Segment {
    fn payload<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        &bytes[self.start + 4..self.end]
    }
}

/// The header segments of a JPEG, where its first scan starts and where its image
/// ends (past EOI; anything after it, such as a phone's extra pictures, is not part
/// of the image).
struct Jpeg {
    segments: Vec<Segment>,
    scan: usize,
    end: usize,
}

/// Reads one marker segment at `pos` (standalone markers have no payload).
fn segment_at(bytes: &[u8], mut pos: usize) -> Option<Segment> {
    if *bytes.get(pos)? != 0xFF {
        return None;
    }
    while bytes.get(pos + 1) == Some(&0xFF) {
        pos += 1; // fill bytes
    }
    let marker = *bytes.get(pos + 1)?;
    if matches!(marker, 0x01 | 0xD0..=0xD9) {
        return Some(Segment { marker, start: pos, end: pos + 2 });
    }
    let len = usize::from(be16(bytes, pos + 2)?);
    let end = pos + 2 + len;
    (len >= 2 && end <= bytes.len()).then_some(Segment { marker, start: pos, end })
}

impl Jpeg {
    fn parse(bytes: &[u8]) -> Option<Jpeg> {
        if bytes.get(0..2)? != [0xFF, 0xD8] {
            return None;
        }
        let mut segments = Vec::new();
        let mut pos = 2;
        loop {
            let segment = segment_at(bytes, pos)?;
            match segment.marker {
                0xDA => break,
                0xD9 => return None,
                _ => segments.push(segment),
            }
            pos = segment.end;
        }
        let scan = pos;
        Some(Jpeg { segments, scan, end: image_end(bytes, scan) })
    }

    fn size(&self, bytes: &[u8]) -> Option<(u32, u32)> {
        let sof = self.segments.iter().find(|s| matches!(s.marker, 0xC0..=0xCF) && !matches!(s.marker, 0xC4 | 0xC8 | 0xCC))?;
        let height = be16(bytes, sof.start + 5)?;
        let width = be16(bytes, sof.start + 7)?;
        Some((u32::from(width), u32::from(height)))
    }

    /// Bytes a decoder holds for a progressive picture's coefficients: two per
    /// sample of every component, at its sampling factors, in whole 8×8 blocks.
    fn coefficient_bytes(&self, bytes: &[u8]) -> Option<u64> {
        let sof = self.segments.iter().find(|s| matches!(s.marker, 0xC0..=0xCF) && !matches!(s.marker, 0xC4 | 0xC8 | 0xCC))?;
        let (width, height) = (u64::from(be16(bytes, sof.start + 7)?), u64::from(be16(bytes, sof.start + 5)?));
        let count = usize::from(*bytes.get(sof.start + 9)?);
        let factors: Vec<(u64, u64)> = (0..count)
            .map(|i| bytes.get(sof.start + 11 + i * 3).map(|f| (u64::from(f >> 4).max(1), u64::from(f & 0x0F).max(1))))
            .collect::<Option<_>>()?;
        let h_max = factors.iter().map(|f| f.0).max()?;
        let v_max = factors.iter().map(|f| f.1).max()?;
        let (mcu_w, mcu_h) = (width.div_ceil(8 * h_max), height.div_ceil(8 * v_max));
        Some(factors.iter().map(|(h, v)| mcu_w * h * 8 * mcu_h * v * 8 * 2).sum())
    }

    /// The EXIF orientation (1 when there is none or it makes no sense).
    fn orientation(&self, bytes: &[u8]) -> u8 {
        self.segments
            .iter()
            .filter(|s| s.marker == 0xE1)
            .find_map(|s| exif_orientation(s.payload(bytes)))
            .filter(|o| (1..=8).contains(o))
            .unwrap_or(1)
    }
}

/// Past the EOI that ends the scans starting at `scan` (the end of `bytes` when the
/// file is cut short). Entropy-coded data escapes `0xFF` as `FF 00`, and restart
/// markers carry no length, so every other marker found is a segment with one.
fn image_end(bytes: &[u8], scan: usize) -> usize {
    let mut pos = scan;
    while let Some(segment) = segment_at(bytes, pos) {
        match segment.marker {
            0xD9 => return segment.end,
            0xDA => {
                // Skip the entropy-coded data that follows the scan header.
                let mut at = segment.end;
                loop {
                    let Some(offset) = bytes.get(at..).and_then(|rest| rest.iter().position(|&b| b == 0xFF)) else {
                        return bytes.len();
                    };
                    at += offset;
                    match bytes.get(at + 1) {
                        None => return bytes.len(),
                        Some(0x00 | 0xD0..=0xD7 | 0xFF) => at += 1,
                        Some(_) => break,
                    }
                }
                pos = at;
            }
            _ => pos = segment.end,
        }
    }
    bytes.len()
}

/// The orientation tag of an APP1 `Exif` payload.
fn exif_orientation(payload: &[u8]) -> Option<u8> {
    let tiff = payload.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| if big { be16(tiff, at) } else { le16(tiff, at) };
    let u32_at = |at: usize| if big { be32(tiff, at) } else { le32(tiff, at) };
    let ifd = u32_at(4)? as usize;
    let count = usize::from(u16_at(ifd)?);
    (0..count.min(512)).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3).then(|| u16_at(entry + 8)).flatten().map(|v| v.min(255) as u8)
    })
}

/// An APP1 segment holding only an EXIF orientation tag.
fn orientation_segment(orientation: u8) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2A\0\0\0\x08"); // big-endian, IFD0 at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&u16::from(orientation).to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

/// Keeps what decoding needs (frame, tables, restart interval), JFIF, the ICC colour
/// profile and Adobe's colour-transform flag; drops EXIF (but for the orientation,
/// written back alone), XMP, IPTC, comments, maker data and whatever trails EOI.
fn clean_jpeg(bytes: &[u8]) -> Option<Vec<Cow<'_, [u8]>>> {
    let jpeg = Jpeg::parse(bytes)?;
    let mut pieces: Vec<Cow<[u8]>> = vec![Cow::Borrowed(&bytes[0..2])];
    let orientation = jpeg.orientation(bytes);
    let mut wrote_orientation = orientation == 1;
    for segment in &jpeg.segments {
        let keep = match segment.marker {
            0xC0..=0xCF | 0xDB..=0xDF | 0xE0 | 0xEE => true,
            0xE2 => segment.payload(bytes).starts_with(b"ICC_PROFILE\0"),
            _ => false,
        };
        if !keep {
            continue;
        }
        // The orientation goes right after JFIF (or first), where readers look for EXIF.
        if !wrote_orientation && segment.marker != 0xE0 {
            pieces.push(Cow::Owned(orientation_segment(orientation)));
            wrote_orientation = true;
        }
        pieces.push(Cow::Borrowed(&bytes[segment.start..segment.end]));
    }
    if !wrote_orientation {
        pieces.push(Cow::Owned(orientation_segment(orientation)));
    }
    pieces.push(Cow::Borrowed(&bytes[jpeg.scan..jpeg.end]));
    Some(merge_small(pieces))
}

/// Header pieces written as one (fewer host calls); the image data stays borrowed.
fn merge_small(pieces: Vec<Cow<'_, [u8]>>) -> Vec<Cow<'_, [u8]>> {
    let mut out: Vec<Cow<[u8]>> = Vec::new();
    let mut header: Vec<u8> = Vec::new();
    for piece in pieces {
        if piece.len() <= 65_536 + 4 {
            header.extend_from_slice(&piece);
        } else {
            if !header.is_empty() {
                out.push(Cow::Owned(std::mem::take(&mut header)));
            }
            out.push(piece);
        }
    }
    if !header.is_empty() {
        out.push(Cow::Owned(header));
    }
    out
}

// ---------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------

struct Chunk {
    kind: [u8; 4],
    start: usize,
    /// Where the data starts.
    data: usize,
    end: usize,
}

fn png_chunks(bytes: &[u8]) -> Option<Vec<Chunk>> {
    if bytes.get(0..8)? != b"\x89PNG\r\n\x1a\n" {
        return None;
    }
    let mut chunks = Vec::new();
    let mut pos = 8;
    while pos < bytes.len() {
        // A file cut short (a lost IEND, say) keeps the chunks before the cut.
        let Some(len) = be32(bytes, pos) else { break };
        let Some(kind) = bytes.get(pos + 4..pos + 8).and_then(|k| <[u8; 4]>::try_from(k).ok()) else { break };
        let end = pos.checked_add(12)?.checked_add(len as usize)?;
        if end > bytes.len() {
            break;
        }
        chunks.push(Chunk { kind, start: pos, data: pos + 8, end });
        pos = end;
        if &kind == b"IEND" {
            break;
        }
    }
    (chunks.first().map(|c| &c.kind) == Some(b"IHDR")).then_some(chunks)
}

/// Drops EXIF, text (which holds XMP and camera notes) and the modification time.
fn clean_png(bytes: &[u8]) -> Option<Vec<Cow<'_, [u8]>>> {
    let chunks = png_chunks(bytes)?;
    let mut pieces = vec![Cow::Borrowed(&bytes[0..8])];
    for chunk in chunks {
        if matches!(&chunk.kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            continue;
        }
        pieces.push(Cow::Borrowed(&bytes[chunk.start..chunk.end]));
    }
    Some(merge_small(pieces))
}

// ---------------------------------------------------------------------------
// WebP
// ---------------------------------------------------------------------------

struct RiffChunk {
    fourcc: [u8; 4],
    start: usize,
    data: usize,
    /// Past the data and its padding byte.
    end: usize,
}

fn webp_chunks(bytes: &[u8]) -> Option<Vec<RiffChunk>> {
    if bytes.get(0..4)? != b"RIFF" || bytes.get(8..12)? != b"WEBP" {
        return None;
    }
    let riff_end = (le32(bytes, 4)? as usize).checked_add(8)?.min(bytes.len());
    let mut chunks = Vec::new();
    let mut pos = 12;
    while pos + 8 <= riff_end {
        let fourcc: [u8; 4] = bytes.get(pos..pos + 4)?.try_into().ok()?;
        let len = le32(bytes, pos + 4)? as usize;
        let end = (pos + 8).checked_add(len)?.checked_add(len & 1)?.min(riff_end);
        chunks.push(RiffChunk { fourcc, start: pos, data: pos + 8, end });
        pos = end;
    }
    Some(chunks)
}

fn webp_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let chunks = webp_chunks(bytes)?;
    let first = chunks.first()?;
    let d = first.data;
    match &first.fourcc {
        b"VP8X" => {
            let w = u32::from_le_bytes([*bytes.get(d + 4)?, *bytes.get(d + 5)?, *bytes.get(d + 6)?, 0]) + 1;
            let h = u32::from_le_bytes([*bytes.get(d + 7)?, *bytes.get(d + 8)?, *bytes.get(d + 9)?, 0]) + 1;
            Some((w, h))
        }
        b"VP8 " => {
            if bytes.get(d + 3..d + 6)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            Some((u32::from(le16(bytes, d + 6)? & 0x3FFF), u32::from(le16(bytes, d + 8)? & 0x3FFF)))
        }
        b"VP8L" => {
            if *bytes.get(d)? != 0x2F {
                return None;
            }
            let bits = le32(bytes, d + 1)?;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        _ => None,
    }
}

/// Drops the EXIF and XMP chunks (and their flags in `VP8X`).
fn clean_webp(bytes: &[u8]) -> Option<Vec<Cow<'_, [u8]>>> {
    let chunks = webp_chunks(bytes)?;
    if !chunks.iter().any(|c| matches!(&c.fourcc, b"EXIF" | b"XMP ")) {
        return None;
    }
    let mut body: Vec<Cow<[u8]>> = Vec::new();
    let mut size = 4usize; // "WEBP"
    for chunk in &chunks {
        match &chunk.fourcc {
            b"EXIF" | b"XMP " => continue,
            b"VP8X" => {
                let mut header = bytes[chunk.start..chunk.end].to_vec();
                if let Some(flags) = header.get_mut(8) {
                    *flags &= !(0x08 | 0x04);
                }
                body.push(Cow::Owned(header));
            }
            _ => body.push(Cow::Borrowed(&bytes[chunk.start..chunk.end])),
        }
        size += chunk.end - chunk.start;
    }
    let mut header = b"RIFF".to_vec();
    header.extend_from_slice(&u32::try_from(size).ok()?.to_le_bytes());
    header.extend_from_slice(b"WEBP");
    let mut pieces = vec![Cow::Owned(header)];
    pieces.extend(body);
    Some(merge_small(pieces))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn the_orientation_segment_reads_back() {
        for o in 1..=8 {
            let segment = orientation_segment(o);
            assert_eq!(exif_orientation(&segment[4..]), Some(o));
            assert_eq!(usize::from(be16(&segment, 2).unwrap()) + 2, segment.len());
        }
    }

    #[test]
    fn broken_files_come_back_whole() {
        let junk = b"\xFF\xD8\xFF\xE1\xFF\xFF";
        let pieces = clean(junk, &JPEG);
        assert_eq!(pieces.concat(), junk);
        assert_eq!(dimensions(junk, &JPEG), None);
        assert_eq!(dimensions(b"\x89PNG\r\n\x1a\n\0\0", &PNG), None);
        assert_eq!(dimensions(b"RIFF\x04\0\0\0WEBP", &WEBP), None);
    }
}
