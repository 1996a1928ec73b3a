//! A small grid of average colours of a picture, for its blurhash, decoded with
//! bounded memory: the whole picture is never held at full size except when it is
//! small ([`FULL_DECODE_PIXELS`]).

use std::io::Cursor;

use crate::sniff::{Format, GIF, JPEG, PNG, WEBP};

/// Pictures that can only be decoded whole (interlaced PNG, GIF) are decoded up to
/// this many pixels (16 MB of RGBA at most, less in practice).
const FULL_DECODE_PIXELS: u64 = 4_194_304;
/// A progressive JPEG keeps every coefficient while it decodes (two bytes a
/// sample): up to this many bytes of them (about 8 MP with the usual 4:2:0 chroma).
const PROGRESSIVE_COEFFICIENT_BYTES: u64 = 24 << 20;
/// WebP decodes whole, with a second buffer for lossless pictures without alpha.
const WEBP_DECODE_PIXELS: u64 = 2_359_296;
/// Cells on the long side of the grid.
const GRID: u32 = 32;

/// Average colours, `width × height` cells of RGBA.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grid {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Grid {
    /// The grid turned as EXIF `orientation` (1..=8) says the picture is shown.
    pub fn oriented(self, orientation: u8) -> Grid {
        if orientation <= 1 || orientation > 8 {
            return self;
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let swapped = orientation >= 5;
        let (ow, oh) = if swapped { (h, w) } else { (w, h) };
        let mut rgba = vec![0u8; ow * oh * 4];
        for y in 0..oh {
            for x in 0..ow {
                let (sx, sy) = match orientation {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                let from = (sy * w + sx) * 4;
                rgba[(y * ow + x) * 4..][..4].copy_from_slice(&self.rgba[from..from + 4]);
            }
        }
        Grid { width: ow as u32, height: oh as u32, rgba }
    }
}

/// Sums colours into grid cells as pixels of a `width × height` picture come in.
struct Sampler {
    width: u32,
    height: u32,
    cells_x: u32,
    cells_y: u32,
    /// Per cell: red, green, blue sums and the pixel count.
    sums: Vec<[u64; 4]>,
}

impl Sampler {
    fn new(width: u32, height: u32) -> Sampler {
        let long = width.max(height).max(1);
        let cells_x =
            (u64::from(width) * u64::from(GRID)).div_ceil(u64::from(long)).clamp(1, u64::from(GRID).min(u64::from(width.max(1)))) as u32;
        let cells_y =
            (u64::from(height) * u64::from(GRID)).div_ceil(u64::from(long)).clamp(1, u64::from(GRID).min(u64::from(height.max(1)))) as u32;
        Sampler { width: width.max(1), height: height.max(1), cells_x, cells_y, sums: vec![[0; 4]; (cells_x * cells_y) as usize] }
    }

    /// One pixel; transparent ones count as white, in proportion.
    fn add(&mut self, x: u32, y: u32, [r, g, b, a]: [u8; 4]) {
        if x >= self.width || y >= self.height {
            return;
        }
        let cx = (u64::from(x) * u64::from(self.cells_x) / u64::from(self.width)) as u32;
        let cy = (u64::from(y) * u64::from(self.cells_y) / u64::from(self.height)) as u32;
        let over_white = |c: u8| (u64::from(c) * u64::from(a) + 255 * u64::from(255 - a)) / 255;
        let cell = &mut self.sums[(cy * self.cells_x + cx) as usize];
        cell[0] += over_white(r);
        cell[1] += over_white(g);
        cell[2] += over_white(b);
        cell[3] += 1;
    }

    /// A row of `channels`-byte pixels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
    fn add_row(&mut self, y: u32, row: &[u8], channels: usize) {
        for (x, px) in row.chunks_exact(channels).enumerate() {
            let rgba = match *px {
                [l] => [l, l, l, 255],
                [l, a] => [l, l, l, a],
                [r, g, b] => [r, g, b, 255],
                [r, g, b, a] => [r, g, b, a],
                _ => continue,
            };
            self.add(x as u32, y, rgba);
        }
    }

    fn finish(self) -> Grid {
        let mut rgba = Vec::with_capacity(self.sums.len() * 4);
        for [r, g, b, n] in self.sums {
            let average = |sum: u64| sum.checked_div(n).map_or(255, |v| v as u8);
            rgba.extend_from_slice(&[average(r), average(g), average(b), 255]);
        }
        Grid { width: self.cells_x, height: self.cells_y, rgba }
    }
}

/// The grid of a `width × height` picture (as stored, before orientation), or
/// `None` when it cannot be decoded within the memory bound.
pub(crate) fn grid(bytes: &[u8], format: &Format, width: u32, height: u32) -> Option<Grid> {
    let pixels = u64::from(width) * u64::from(height);
    match *format {
        JPEG => jpeg(bytes),
        PNG => png(bytes, pixels),
        GIF if pixels <= FULL_DECODE_PIXELS => gif(bytes),
        WEBP if pixels <= WEBP_DECODE_PIXELS => webp(bytes),
        _ => None,
    }
}

/// Decoded at 1/8 size by DCT scaling; progressive pictures keep every coefficient
/// while decoding, so only those within [`PROGRESSIVE_COEFFICIENT_BYTES`] are.
fn jpeg(bytes: &[u8]) -> Option<Grid> {
    use jpeg_decoder::{CodingProcess, Decoder, PixelFormat};
    let mut decoder = Decoder::new(bytes);
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    if info.coding_process != CodingProcess::DctSequential
        && crate::clean::jpeg_coefficient_bytes(bytes).is_none_or(|n| n > PROGRESSIVE_COEFFICIENT_BYTES)
    {
        return None;
    }
    let (w, h) = decoder.scale(info.width.div_ceil(8).max(1), info.height.div_ceil(8).max(1)).ok()?;
    let data = decoder.decode().ok()?;
    let (w, h) = (u32::from(w), u32::from(h));
    let mut sampler = Sampler::new(w, h);
    let channels = match info.pixel_format {
        PixelFormat::L8 => 1,
        PixelFormat::L16 => 2,
        PixelFormat::RGB24 => 3,
        PixelFormat::CMYK32 => 4,
    };
    for (y, row) in data.chunks_exact(w as usize * channels).enumerate().take(h as usize) {
        for (x, px) in row.chunks_exact(channels).enumerate() {
            let rgba = match info.pixel_format {
                PixelFormat::L8 => [px[0], px[0], px[0], 255],
                PixelFormat::L16 => [px[0], px[0], px[0], 255],
                PixelFormat::RGB24 => [px[0], px[1], px[2], 255],
                PixelFormat::CMYK32 => {
                    let k = 255 - u16::from(px[3]);
                    let ink = |c: u8| ((255 - u16::from(c)) * k / 255) as u8;
                    [ink(px[0]), ink(px[1]), ink(px[2]), 255]
                }
            };
            sampler.add(x as u32, y as u32, rgba);
        }
    }
    Some(sampler.finish())
}

/// Row by row (one row in memory); interlaced pictures only whole, when small.
fn png(bytes: &[u8], pixels: u64) -> Option<Grid> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_ignore_text_chunk(true);
    let mut reader = decoder.read_info().ok()?;
    let (width, height, interlaced) = {
        let info = reader.info();
        (info.width, info.height, info.interlaced)
    };
    let channels = match reader.output_color_type().0 {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return None,
    };
    let mut sampler = Sampler::new(width, height);
    if interlaced {
        if pixels > FULL_DECODE_PIXELS {
            return None;
        }
        let mut buf = vec![0; reader.output_buffer_size()?];
        let frame = reader.next_frame(&mut buf).ok()?;
        for (y, row) in buf[..frame.buffer_size()].chunks_exact(frame.line_size).enumerate() {
            sampler.add_row(y as u32, row, channels);
        }
    } else {
        let mut y = 0;
        while let Some(row) = reader.next_row().ok()? {
            sampler.add_row(y, row.data(), channels);
            y += 1;
        }
    }
    Some(sampler.finish())
}

/// The first frame, as palette indexes.
fn gif(bytes: &[u8]) -> Option<Grid> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options.read_info(bytes).ok()?;
    let (width, height) = (u32::from(decoder.width()), u32::from(decoder.height()));
    let global = decoder.global_palette().map(<[u8]>::to_vec);
    let frame = decoder.read_next_frame().ok()??;
    let palette = frame.palette.as_deref().or(global.as_deref())?;
    let mut sampler = Sampler::new(width, height);
    let frame_width = usize::from(frame.width).max(1);
    for (i, &index) in frame.buffer.iter().enumerate() {
        let (x, y) = (u32::from(frame.left) + (i % frame_width) as u32, u32::from(frame.top) + (i / frame_width) as u32);
        let Some(rgb) = palette.get(usize::from(index) * 3..usize::from(index) * 3 + 3) else { continue };
        let alpha = if frame.transparent == Some(index) { 0 } else { 255 };
        sampler.add(x, y, [rgb[0], rgb[1], rgb[2], alpha]);
    }
    Some(sampler.finish())
}

/// Whole (the first frame of an animation); only small pictures get here.
fn webp(bytes: &[u8]) -> Option<Grid> {
    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).ok()?;
    let (width, height) = decoder.dimensions();
    let channels = if decoder.has_alpha() { 4 } else { 3 };
    let mut buf = vec![0; decoder.output_buffer_size()?];
    decoder.read_image(&mut buf).ok()?;
    let mut sampler = Sampler::new(width, height);
    for (y, row) in buf.chunks_exact(width as usize * channels).enumerate() {
        sampler.add_row(y as u32, row, channels);
    }
    Some(sampler.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(width: u32, height: u32) -> Grid {
        let rgba = (0..width * height).flat_map(|i| [i as u8, 0, 0, 255]).collect();
        Grid { width, height, rgba }
    }

    #[test]
    fn orientations_turn_the_grid() {
        // 3×2: pixels 0 1 2 / 3 4 5 (red channel).
        let red = |g: &Grid| g.rgba.chunks(4).map(|p| p[0]).collect::<Vec<_>>();
        assert_eq!(red(&grid(3, 2).oriented(1)), [0, 1, 2, 3, 4, 5]);
        assert_eq!(red(&grid(3, 2).oriented(2)), [2, 1, 0, 5, 4, 3]);
        assert_eq!(red(&grid(3, 2).oriented(3)), [5, 4, 3, 2, 1, 0]);
        assert_eq!(red(&grid(3, 2).oriented(4)), [3, 4, 5, 0, 1, 2]);
        let turned = grid(3, 2).oriented(6); // 90° clockwise: 2×3
        assert_eq!((turned.width, turned.height), (2, 3));
        assert_eq!(red(&turned), [3, 0, 4, 1, 5, 2]);
        assert_eq!(red(&grid(3, 2).oriented(8)), [2, 5, 1, 4, 0, 3]);
        assert_eq!(red(&grid(3, 2).oriented(5)), [0, 3, 1, 4, 2, 5]);
        assert_eq!(red(&grid(3, 2).oriented(7)), [5, 2, 4, 1, 3, 0]);
    }

    #[test]
    fn the_sampler_averages_cells_and_whitens_transparency() {
        let mut sampler = Sampler::new(2, 1);
        sampler.add_row(0, &[0, 0, 0, 255, 0, 0, 0, 0], 4);
        let grid = sampler.finish();
        assert_eq!((grid.width, grid.height), (2, 1));
        assert_eq!(&grid.rgba[0..4], &[0, 0, 0, 255]);
        assert_eq!(&grid.rgba[4..8], &[255, 255, 255, 255]);
        let big = Sampler::new(4000, 3000);
        assert_eq!((big.cells_x, big.cells_y), (32, 24));
    }
}
