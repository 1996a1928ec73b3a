//! The archive file: a gzip-compressed tar written under a temporary name and renamed
//! into place only once complete (a crash never leaves a partial archive under a
//! complete name), mode 0600 from its creation; and reading it back entry by entry.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::layout::MANIFEST;
use super::manifest::{FileEntry, Manifest};

/// The suffix of an archive being written; never a complete backup.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// Copies `reader` to `writer`, returning the byte count and the SHA-256 (hex).
pub fn copy_hashing(reader: &mut dyn Read, writer: &mut dyn Write, bar: Option<&ProgressBar>) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..n]);
        writer.write_all(&buffer[..n])?;
        total += n as u64;
        if let Some(bar) = bar {
            bar.inc(n as u64);
        }
    }
    Ok((total, hex::encode(hasher.finalize())))
}

/// Hashes what passes through, for entries appended straight from their files.
struct Hashing<'a, R> {
    inner: R,
    hasher: Sha256,
    bar: &'a ProgressBar,
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// An archive being written.
pub struct ArchiveWriter {
    builder: Option<tar::Builder<GzEncoder<File>>>,
    files: Vec<FileEntry>,
    temp: PathBuf,
    target: PathBuf,
}

impl ArchiveWriter {
    /// Starts `target` as `target.partial`, created 0600 (it will hold secrets).
    pub fn create(target: &Path) -> anyhow::Result<ArchiveWriter> {
        let mut temp = target.as_os_str().to_owned();
        temp.push(PARTIAL_SUFFIX);
        let temp = PathBuf::from(temp);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)
            .with_context(|| format!("cannot create {}", temp.display()))?;
        let mut builder = tar::Builder::new(GzEncoder::new(file, Compression::default()));
        builder.mode(tar::HeaderMode::Deterministic);
        Ok(ArchiveWriter { builder: Some(builder), files: Vec::new(), temp, target: target.to_path_buf() })
    }

    /// Appends the file at `source` as `name`, checksummed on the way in.
    pub fn add_file(&mut self, name: &str, source: &Path, bar: &ProgressBar) -> anyhow::Result<()> {
        let file = File::open(source).with_context(|| format!("cannot read {}", source.display()))?;
        let size = file.metadata()?.len();
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        let mut hashing = Hashing { inner: file.take(size), hasher: Sha256::new(), bar };
        let builder = self.builder.as_mut().expect("an archive is written until finished");
        builder.append_data(&mut header, name, &mut hashing).with_context(|| format!("cannot archive {}", source.display()))?;
        self.files.push(FileEntry { path: name.to_string(), size, sha256: hex::encode(hashing.hasher.finalize()) });
        Ok(())
    }

    /// The entries appended so far.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// Appends the manifest, flushes everything to disk and renames the archive into
    /// place; returns its path.
    pub fn finish(mut self, manifest: &Manifest) -> anyhow::Result<PathBuf> {
        let json = serde_json::to_vec_pretty(manifest)?;
        let mut builder = self.builder.take().expect("an archive is finished once");
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, MANIFEST, json.as_slice())?;
        let file = builder.into_inner()?.finish()?;
        file.sync_all()?;
        drop(file);
        fs::rename(&self.temp, &self.target).with_context(|| format!("cannot rename the archive to {}", self.target.display()))?;
        if let Some(dir) = self.target.parent()
            && let Ok(dir) = File::open(dir)
        {
            let _ = dir.sync_all();
        }
        Ok(self.target.clone())
    }
}

impl Drop for ArchiveWriter {
    /// An archive left unfinished (an error on the way) is removed, never kept.
    fn drop(&mut self) {
        if self.builder.is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Calls `on_entry` with each entry's name and bytes, in archive order. Errors name
/// the entry being read (a corrupt archive usually shows up as a decompression error).
pub fn read_entries(archive: &Path, mut on_entry: impl FnMut(&str, &mut dyn Read) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let file = File::open(archive).with_context(|| format!("cannot open {}", archive.display()))?;
    let mut tar = tar::Archive::new(GzDecoder::new(io::BufReader::new(file)));
    let mut last = String::from("(the start of the archive)");
    let entries = tar.entries().with_context(|| format!("{} is not an aerie backup archive", archive.display()))?;
    for entry in entries {
        let mut entry = entry.with_context(|| format!("the archive is damaged in or after {last}"))?;
        let name = entry.path().context("an entry with an unreadable name")?.to_string_lossy().into_owned();
        if entry.header().entry_type() != tar::EntryType::Regular {
            bail!("unexpected entry {name} (not a regular file)");
        }
        on_entry(&name, &mut entry).with_context(|| format!("the archive is damaged in {name}"))?;
        last = name;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_archive_is_never_left_and_a_finished_one_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source");
        fs::write(&source, b"bytes").unwrap();
        let target = dir.path().join("a.tar.gz");
        let bar = ProgressBar::hidden();
        {
            let mut writer = ArchiveWriter::create(&target).unwrap();
            writer.add_file("keys/k", &source, &bar).unwrap();
            // Dropped unfinished, as on an error on the way.
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "only the source is left");
        let mut writer = ArchiveWriter::create(&target).unwrap();
        writer.add_file("keys/k", &source, &bar).unwrap();
        let manifest = Manifest {
            format_version: 1,
            engine: "sqlite".into(),
            created_at: "now".into(),
            aerie_version: "0".into(),
            files: writer.files().to_vec(),
            tables: Default::default(),
        };
        let written = writer.finish(&manifest).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&written).unwrap().permissions().mode() & 0o777, 0o600);
        let mut names = Vec::new();
        read_entries(&written, |name, reader| {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            names.push((name.to_string(), bytes.len()));
            Ok(())
        })
        .unwrap();
        assert_eq!(names[0], ("keys/k".to_string(), 5));
        assert_eq!(names[1].0, "manifest.json");
        assert_eq!(manifest.files[0].sha256, hex::encode(Sha256::digest(b"bytes")));
    }
}
