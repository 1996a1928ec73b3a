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

/// The regular files of tar `bytes` as `(path, contents)`, in archive order (read by
/// the `tar` crate, which also follows GNU long names and ustar prefixes).
pub fn entries(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut archive = tar::Archive::new(bytes);
    let mut out = Vec::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().map_err(|e| e.to_string())?.to_string_lossy().into_owned();
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data).map_err(|e| format!("{name}: {e}"))?;
        out.push((name, data));
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

    #[test]
    fn files_are_read_and_named() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut add = |name: &str, data: &[u8], kind: tar::EntryType| {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, data).unwrap();
        };
        add("emoji/", b"", tar::EntryType::Directory);
        add("emoji/blobcat.png", b"abc", tar::EntryType::Regular);
        add("emoji/._blobcat.png", b"x", tar::EntryType::Regular);
        let tar = builder.into_inner().unwrap();
        let files = entries(&tar).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0], ("emoji/blobcat.png".to_string(), b"abc".to_vec()));
        assert_eq!(shortcode_of(&files[0].0).as_deref(), Some("blobcat"));
        assert_eq!(shortcode_of(&files[1].0), None);
        assert_eq!(shortcode_of("readme.txt"), None);
        assert!(entries(&tar[..700]).is_err(), "a truncated archive is an error");
    }
}
