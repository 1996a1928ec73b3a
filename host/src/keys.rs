//! The instance key pair (RSA-2048, PKCS#8 PEM), generated on first start. The first
//! node keeps a copy in its data directory (mode 0600) and stores it in the host-only
//! `instance_keys` table, where every other node of the instance finds it: they all
//! sign as the same instance actor. No component SQL can reach either.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

/// The instance's key pair.
pub struct InstanceKey {
    pub private: RsaPrivateKey,
    pub public_pem: String,
}

pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("instance.pem")
}

/// Loads the instance key, generating and storing it (mode 0600) if there is none.
pub fn ensure_instance_key(data_dir: &Path) -> anyhow::Result<InstanceKey> {
    let path = key_path(data_dir);
    let private = if path.is_file() {
        let pem = fs::read_to_string(&path).with_context(|| format!("reading the instance key {}", path.display()))?;
        RsaPrivateKey::from_pkcs8_pem(&pem)
            .with_context(|| format!("the instance key {} is not a PKCS#8 PEM RSA key; restore it from a backup", path.display()))?
    } else {
        let dir = path.parent().unwrap();
        fs::create_dir_all(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        tracing::info!(path = %path.display(), "generating the instance key pair (RSA-2048)");
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).context("generating the instance key")?;
        let pem = key.to_pkcs8_pem(LineEnding::LF)?;
        let tmp = path.with_extension("pem.tmp");
        let mut file = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        file.write_all(pem.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, &path)?;
        key
    };
    let public_pem = RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF)?;
    Ok(InstanceKey { private, public_pem })
}

/// The instance key every node of this instance uses: the one in the database
/// (`instance_keys`, host-only) if a node stored it already, else this node's file key
/// (generated if missing), stored for the others. The first node to store wins a race.
pub async fn shared_instance_key(db: &crate::db::Database, data_dir: &Path) -> anyhow::Result<InstanceKey> {
    let read = |rows: &crate::db::RowSet| rows.text(0, "private_key_pem").map(str::to_string);
    let select = "SELECT private_key_pem FROM instance_keys WHERE name = 'instance'";
    let pem = match read(&db.query(select, vec![]).await?) {
        Some(pem) => pem,
        None => {
            let local = ensure_instance_key(data_dir)?;
            let pem = local.private.to_pkcs8_pem(LineEnding::LF)?.to_string();
            db.execute(
                "INSERT INTO instance_keys (name, private_key_pem, created_at) VALUES ('instance', $1, $2) ON CONFLICT (name) DO NOTHING",
                vec![pem.into(), crate::clock::now_millis().into()],
            )
            .await?;
            read(&db.query(select, vec![]).await?).context("the instance key was stored but cannot be read back")?
        }
    };
    let private = RsaPrivateKey::from_pkcs8_pem(&pem).context("the instance key in the database is not a PKCS#8 PEM RSA key")?;
    let public_pem = RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF)?;
    Ok(InstanceKey { private, public_pem })
}
