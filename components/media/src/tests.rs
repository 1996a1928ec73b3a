//! Real files (made with Pillow, in `fixtures/`) and PNGs made here: dimensions,
//! orientation, blurhash, and that cleaning leaves no metadata but keeps the picture.

use super::*;
use crate::sniff::{GIF, JPEG, PNG, WEBP};

const PHOTO: &[u8] = include_bytes!("../fixtures/photo-exif.jpg");
const PROGRESSIVE: &[u8] = include_bytes!("../fixtures/progressive.jpg");
const GIF_FILE: &[u8] = include_bytes!("../fixtures/small.gif");
const WEBP_FILE: &[u8] = include_bytes!("../fixtures/photo-exif.webp");

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A pixel of the test pictures: red on the left half, blue on the right.
fn pixel(x: u32, width: u32) -> [u8; 3] {
    if x < width / 2 { [220, 30, 30] } else { [30, 30, 220] }
}

/// A `width × height` PNG of [`pixel`]s with a text chunk, interlaced (Adam7) or not.
fn png_file(width: u32, height: u32, interlaced: bool) -> Vec<u8> {
    if interlaced {
        return adam7_png(width, height);
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.add_text_chunk("Comment".into(), "SECRET-TEXT".into()).unwrap();
        let mut writer = encoder.write_header().unwrap();
        let data: Vec<u8> = (0..width * height).flat_map(|i| pixel(i % width, width)).collect();
        writer.write_image_data(&data).unwrap();
    }
    out
}

/// The same picture written by hand with Adam7 interlacing.
fn adam7_png(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write as _;
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] {
        if x0 >= width {
            continue;
        }
        for _y in (y0..height).step_by(dy) {
            raw.push(0); // no filter
            for x in (x0..width).step_by(dx) {
                raw.extend_from_slice(&pixel(x, width));
            }
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 1]); // 8-bit RGB, Adam7
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"tEXt", b"Comment\0SECRET-TEXT");
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", b"");
    out
}

/// The blurhash's average colour (its DC component), as sRGB.
fn average(hash: &str) -> [u8; 3] {
    const CHARS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
    let value = hash[2..6].chars().fold(0u32, |acc, c| acc * 83 + CHARS.find(c).unwrap() as u32);
    [(value >> 16) as u8, (value >> 8) as u8, value as u8]
}

#[test]
fn a_phone_photo_is_turned_and_hashed() {
    let format = sniff(PHOTO, Some("image/jpeg")).unwrap();
    assert_eq!(format, JPEG);
    let image = read_image(PHOTO, &format).unwrap();
    // Stored 64×48 with orientation 6: shown 48×64.
    assert_eq!((image.width, image.height), (48, 64));
    let hash = image.blurhash.expect("a blurhash");
    assert_eq!(hash.len(), 36, "{hash}"); // 4×4 components
    let [r, _, b] = average(&hash);
    assert!(r > 80 && b > 80, "red and blue halves average to purple: {hash}");
}

#[test]
fn cleaning_a_jpeg_keeps_only_the_orientation() {
    let cleaned = clean(PHOTO, &JPEG).concat();
    for secret in [&b"SECRET-DESCRIPTION"[..], b"SECRET-MAKE", b"SECRET-COMMENT", b"SECRET-TRAILER"] {
        assert!(contains(PHOTO, secret), "the fixture has {secret:?}");
        assert!(!contains(&cleaned, secret), "{:?} is gone", String::from_utf8_lossy(secret));
    }
    assert!(cleaned.len() < PHOTO.len());
    assert!(cleaned.ends_with(&[0xFF, 0xD9]));
    // Still the same picture, the same way up.
    let again = read_image(&cleaned, &JPEG).unwrap();
    assert_eq!(again, read_image(PHOTO, &JPEG).unwrap());
    let mut decoder = jpeg_decoder::Decoder::new(&cleaned[..]);
    let pixels = decoder.decode().unwrap();
    let mut original = jpeg_decoder::Decoder::new(PHOTO);
    assert_eq!(pixels, original.decode().unwrap());
}

#[test]
fn progressive_jpegs_are_hashed_when_small() {
    let image = read_image(PROGRESSIVE, &JPEG).unwrap();
    assert_eq!((image.width, image.height), (64, 48));
    assert!(image.blurhash.is_some());
    assert_eq!(clean(PROGRESSIVE, &JPEG).concat(), PROGRESSIVE, "nothing to remove");
}

#[test]
fn pngs_row_by_row_and_interlaced() {
    for interlaced in [false, true] {
        let file = png_file(40, 30, interlaced);
        assert_eq!(sniff(&file, None), Some(PNG));
        let image = read_image(&file, &PNG).unwrap();
        assert_eq!((image.width, image.height), (40, 30));
        let hash = image.blurhash.unwrap();
        let [r, g, b] = average(&hash);
        assert!(r > 80 && b > 80 && g < 80, "{hash} {r} {g} {b}");
        let cleaned = clean(&file, &PNG).concat();
        assert!(contains(&file, b"SECRET-TEXT") && !contains(&cleaned, b"SECRET-TEXT"));
        let mut reader = png::Decoder::new(std::io::Cursor::new(&cleaned[..])).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
    }
}

#[test]
fn gif_and_webp() {
    assert_eq!(sniff(GIF_FILE, None), Some(GIF));
    let image = read_image(GIF_FILE, &GIF).unwrap();
    assert_eq!((image.width, image.height), (64, 48));
    assert!(image.blurhash.is_some());

    assert_eq!(sniff(WEBP_FILE, None), Some(WEBP));
    let image = read_image(WEBP_FILE, &WEBP).unwrap();
    assert_eq!((image.width, image.height), (64, 48));
    assert!(image.blurhash.is_some());
    let cleaned = clean(WEBP_FILE, &WEBP).concat();
    assert!(contains(WEBP_FILE, b"SECRET-MAKE") && !contains(&cleaned, b"SECRET-MAKE"));
    assert_eq!(u32::from_le_bytes(cleaned[4..8].try_into().unwrap()) as usize + 8, cleaned.len());
    let mut decoder = image_webp::WebPDecoder::new(std::io::Cursor::new(&cleaned[..])).unwrap();
    let mut buf = vec![0; decoder.output_buffer_size().unwrap()];
    decoder.read_image(&mut buf).unwrap();
}

#[test]
fn oversized_and_broken_pictures() {
    // A PNG header claiming 10000×10000 pixels.
    let mut file = png_file(4, 4, false);
    file[16..20].copy_from_slice(&10_000u32.to_be_bytes());
    file[20..24].copy_from_slice(&10_000u32.to_be_bytes());
    assert_eq!(read_image(&file, &PNG), Err(ImageError::TooLarge { width: 10_000, height: 10_000 }));
    assert_eq!(read_image(b"\xFF\xD8\xFF\xE0", &JPEG), Err(ImageError::Unreadable));
    // A picture whose pixels do not decode still has its dimensions, without a blurhash.
    let mut truncated = png_file(40, 30, false);
    let idat = truncated.windows(4).position(|w| w == b"IDAT").unwrap();
    truncated[idat + 8] ^= 0xFF;
    let image = read_image(&truncated, &PNG).unwrap();
    assert_eq!((image.width, image.height, image.blurhash), (40, 30, None));
    // A PNG cut short in its IEND still shows, as in browsers.
    let mut cut = png_file(40, 30, false);
    cut.truncate(cut.len() - 6);
    assert_eq!(read_image(&cut, &PNG).map(|i| (i.width, i.height)), Ok((40, 30)));
}

#[test]
fn progressive_coefficients_are_counted_by_sampling() {
    // 64×48, 4:2:0 (Pillow's default): Y 64×48, Cb and Cr 32×24, two bytes each.
    assert_eq!(crate::clean::jpeg_coefficient_bytes(PROGRESSIVE), Some((64 * 48 + 2 * 32 * 24) * 2));
}
