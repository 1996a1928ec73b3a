//! The archives `aerie admin emoji import` reads: a gzip'd tar of pictures named
//! after their shortcodes (`blobcat.png`, `packs/blobs/blobfox.gif`), the format
//! Mastodon's `tootctl emoji import` takes. Only regular files are read; folders,
//! links and anything else are passed over. Reading is capped so an archive cannot
//! make the CLI hold more than [`MAX_TOTAL`] bytes.

use std::io::Read;
use std::path::Path;

use crate::operator_error::OperatorError;

/// The most an archive may unpack to.
pub const MAX_TOTAL: u64 = 256 * 1024 * 1024;

fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?.trim_matches(|c: char| c == '\0' || c == ' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

fn text(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).to_string()
}

/// The regular files of tar `bytes` as `(path, contents)`, in archive order.
pub fn entries(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut long_name: Option<String> = None;
    while at + 512 <= bytes.len() {
        let header = &bytes[at..at + 512];
        if header.iter().all(|b| *b == 0) {
            break; // the end-of-archive blocks
        }
        let size = octal(&header[124..136]).ok_or("a malformed tar header")? as usize;
        let kind = header[156];
        let data_start = at + 512;
        let data_end = data_start.checked_add(size).filter(|end| *end <= bytes.len()).ok_or("a truncated tar archive")?;
        let data = &bytes[data_start..data_end];
        let name = match long_name.take() {
            Some(name) => name,
            None => {
                let prefix = if &header[257..262] == b"ustar" { text(&header[345..500]) } else { String::new() };
                let name = text(&header[0..100]);
                if prefix.is_empty() { name } else { format!("{prefix}/{name}") }
            }
        };
        match kind {
            b'0' | 0 => out.push((name, data.to_vec())),
            b'L' => long_name = Some(text(data)), // GNU long name of the next entry
            _ => {}
        }
        at = data_start + size.div_ceil(512) * 512;
    }
    Ok(out)
}

/// The shortcode an archive's file names: its file name without the extension, for
/// `.png`, `.gif` and `.webp` files (others, and macOS's `._` files, are not emoji).
pub fn shortcode_of(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    if file.starts_with("._") {
        return None;
    }
    let (stem, extension) = file.rsplit_once('.')?;
    matches!(extension.to_ascii_lowercase().as_str(), "png" | "gif" | "webp").then(|| stem.to_string())
}

/// Reads the archive at `file` (gzip'd or plain tar).
pub fn read(file: &Path) -> Result<Vec<(String, Vec<u8>)>, OperatorError> {
    let raw = std::fs::read(file)
        .map_err(|e| OperatorError::new(format!("cannot read {}: {e}", file.display()), "give the path of a .tar.gz of pictures"))?;
    let not_archive = |why: String| {
        OperatorError::new(
            format!("{} is not a tar archive: {why}", file.display()),
            "give a .tar.gz of pictures named SHORTCODE.png, .gif or .webp",
        )
    };
    let tar = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..]).take(MAX_TOTAL + 1).read_to_end(&mut out).map_err(|e| not_archive(e.to_string()))?;
        if out.len() as u64 > MAX_TOTAL {
            return Err(OperatorError::new(format!("{} unpacks to more than 256 MiB", file.display()), "split the archive"));
        }
        out
    } else {
        raw
    };
    // Every tar this reads starts with a ustar header (POSIX and GNU tar write one).
    if tar.len() < 512 || &tar[257..262] != b"ustar" {
        return Err(not_archive("no tar header".into()));
    }
    entries(&tar).map_err(|why| not_archive(why.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, size: usize, kind: u8) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let size = format!("{size:011o}\0");
        h[124..136].copy_from_slice(size.as_bytes());
        h[156] = kind;
        h[257..262].copy_from_slice(b"ustar");
        h
    }

    fn padded(data: &[u8]) -> Vec<u8> {
        let mut d = data.to_vec();
        d.resize(data.len().div_ceil(512) * 512, 0);
        d
    }

    #[test]
    fn files_are_read_and_named() {
        let mut tar = Vec::new();
        tar.extend(header("emoji/", 0, b'5'));
        tar.extend(header("emoji/blobcat.png", 3, b'0'));
        tar.extend(padded(b"abc"));
        tar.extend(header("emoji/._blobcat.png", 1, b'0'));
        tar.extend(padded(b"x"));
        tar.extend(vec![0u8; 1024]);
        let files = entries(&tar).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0], ("emoji/blobcat.png".to_string(), b"abc".to_vec()));
        assert_eq!(shortcode_of(&files[0].0).as_deref(), Some("blobcat"));
        assert_eq!(shortcode_of(&files[1].0), None);
        assert_eq!(shortcode_of("readme.txt"), None);
        let mut truncated = header("a.png", 5000, b'0');
        truncated.extend(padded(b"abc"));
        assert!(entries(&truncated).is_err());
    }
}
