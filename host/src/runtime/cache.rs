//! The compiled-component cache: `.cwasm` files keyed by the component's content hash
//! and the engine's configuration, in a directory only this user can read or write.
//!
//! Loading a `.cwasm` runs native code produced by Cranelift, so the cache only ever
//! holds files this host compiled on this machine: it lives in a 0700 directory owned
//! by the running user, files are written atomically, and anything that fails to load
//! is recompiled and replaced.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Whether a component came from the cache or was compiled now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Hit,
    Compiled,
}

pub struct CompileCache {
    dir: PathBuf,
    engine_key: String,
}

/// The SHA-256 of a component's bytes, hex.
pub fn content_hash(wasm: &[u8]) -> String {
    hex::encode(Sha256::digest(wasm))
}

impl CompileCache {
    /// Opens (creating) the cache directory, mode 0700, and checks it is ours.
    pub fn open(dir: &Path, engine: &Engine) -> anyhow::Result<CompileCache> {
        fs::create_dir_all(dir).with_context(|| format!("creating the component cache {}", dir.display()))?;
        let meta = fs::metadata(dir)?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        if meta.uid() != uid {
            bail!(
                "the component cache {} belongs to uid {}, not to the user running aerie (uid {uid}); \
                 compiled code is only loaded from a directory of our own. Fix: sudo chown -R {uid} {}",
                dir.display(),
                meta.uid(),
                dir.display()
            );
        }
        if meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        Ok(CompileCache { dir: dir.to_path_buf(), engine_key: format!("{:016x}", hasher.finish()) })
    }

    fn path_for(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{}-{}.cwasm", &hash[..32], self.engine_key))
    }

    /// Loads the compiled form of `wasm` from the cache, or compiles and stores it.
    pub fn load_or_compile(&self, engine: &Engine, wasm: &[u8], hash: &str) -> anyhow::Result<(Component, CacheOutcome)> {
        let path = self.path_for(hash);
        if path.is_file() {
            // SAFETY: the file is in our private cache directory and was written by
            // `Engine::precompile_component` in this host; a file that does not match
            // this engine is rejected by wasmtime's header checks.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "discarding an unusable cached component"),
            }
        }
        let compiled = engine.precompile_component(wasm)?;
        self.store(&path, &compiled)?;
        drop(compiled);
        release_compiler_memory();
        // Mapped from the file just written, like a cache hit, rather than copied from
        // the bytes into anonymous memory: the code then shares the page cache.
        // SAFETY: this engine wrote the file a moment ago, in our private directory.
        let component = unsafe { Component::deserialize_file(engine, &path)? };
        Ok((component, CacheOutcome::Compiled))
    }

    fn store(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// Hands the compiler's freed working memory (and the compiled bytes, once written)
/// back to the system: glibc keeps freed heap mapped, and Cranelift compiling the
/// built-in components frees a lot of it on a node's first start after an upgrade
/// (later starts load the cache and never compile). Arenas of the compiler's threads
/// that are still fragmented keep part of it (benches/README.md, "First start after an
/// install or upgrade").
fn release_compiler_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of glibc's arenas to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
