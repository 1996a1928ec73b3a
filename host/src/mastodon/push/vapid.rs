//! The instance's VAPID key pair (RFC 8292, P-256), made on first start and kept like
//! the instance key (`keys.rs`): a copy in the data directory (`keys/vapid.pem`, mode
//! 0600) and the row `vapid` of the host-only `instance_keys`, where every node of the
//! instance finds the same key (push services tie a subscription to the key it was
//! made with). Its public half is `server_key` and the v2 instance's
//! `configuration.vapid.public_key`; the private half never leaves the host.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use web_push_native::p256;
use web_push_native::p256::ecdsa::signature::Signer as _;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;
use web_push_native::p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};

/// The `instance_keys` row of the VAPID key.
const ROW: &str = "vapid";

/// The VAPID key pair.
#[derive(Clone)]
pub struct VapidKey {
    signing: p256::ecdsa::SigningKey,
    /// The uncompressed public point, base64url without padding (what clients pass
    /// to `PushManager.subscribe` as `applicationServerKey`).
    pub public_key: String,
}

impl VapidKey {
    /// A new random key (benchmarks and tests; an instance keeps one, see [`shared_key`]).
    pub fn generate() -> VapidKey {
        VapidKey::from_secret(&p256::SecretKey::random(&mut rand::rngs::OsRng))
    }

    fn from_secret(secret: &p256::SecretKey) -> VapidKey {
        let public = secret.public_key().to_encoded_point(false);
        VapidKey { signing: p256::ecdsa::SigningKey::from(secret), public_key: URL_SAFE_NO_PAD.encode(public.as_bytes()) }
    }

    /// The private key's bytes, for keys derived from it ([`super::sealed_token`]).
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.signing.to_bytes().to_vec()
    }

    fn from_pem(pem: &str) -> anyhow::Result<VapidKey> {
        let secret = p256::SecretKey::from_pkcs8_pem(pem).context("the VAPID key is not a PKCS#8 PEM P-256 key")?;
        Ok(VapidKey::from_secret(&secret))
    }

    /// The `Authorization` header of a push to `endpoint` (RFC 8292 §3): `vapid t=JWT,
    /// k=KEY`, the JWT (ES256) naming the push service's origin (`aud`), an expiry
    /// `valid_for` from now (`exp`; at most 24 hours) and how to reach the operator
    /// (`sub`).
    pub fn authorization(&self, endpoint: &reqwest::Url, valid_for: std::time::Duration, subject: &str) -> anyhow::Result<String> {
        let host = endpoint.host_str().context("the endpoint has no host")?;
        let audience = match endpoint.port() {
            Some(port) => format!("{}://{host}:{port}", endpoint.scheme()),
            None => format!("{}://{host}", endpoint.scheme()),
        };
        let expires = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() + valid_for.as_secs();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(serde_json::json!({ "aud": audience, "exp": expires, "sub": subject }).to_string());
        let signing_input = format!("{header}.{claims}");
        // ES256: the fixed-size r||s signature of RFC 7518 §3.4.
        let signature: p256::ecdsa::Signature = self.signing.sign(signing_input.as_bytes());
        let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        Ok(format!("vapid t={token}, k={}", self.public_key))
    }
}

pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("vapid.pem")
}

/// This node's file key: loaded, or generated and stored (mode 0600) if there is none.
fn file_key(data_dir: &Path) -> anyhow::Result<String> {
    let path = key_path(data_dir);
    if path.is_file() {
        return fs::read_to_string(&path).with_context(|| format!("reading the VAPID key {}", path.display()));
    }
    let dir = path.parent().expect("the key path has a folder");
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    tracing::info!(path = %path.display(), "generating the VAPID key pair (P-256) for Web Push");
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let pem = secret.to_pkcs8_pem(LineEnding::LF).context("encoding the VAPID key")?.to_string();
    let tmp = path.with_extension("pem.tmp");
    let mut file = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()?;
    fs::rename(&tmp, &path)?;
    Ok(pem)
}

/// The VAPID key every node of this instance uses: the one in the database if a node
/// stored it already, else this node's file key (generated if missing), stored for
/// the others. The first node to store wins a race.
pub async fn shared_key(db: &crate::db::Database, data_dir: &Path) -> anyhow::Result<VapidKey> {
    let read = |rows: &crate::db::RowSet| rows.text(0, "private_key_pem").map(str::to_string);
    let select = "SELECT private_key_pem FROM instance_keys WHERE name = $1";
    let pem = match read(&db.query(select, vec![ROW.into()]).await?) {
        Some(pem) => pem,
        None => {
            let local = file_key(data_dir)?;
            VapidKey::from_pem(&local)
                .with_context(|| format!("{}: restore it from a backup or remove it", key_path(data_dir).display()))?;
            db.execute(
                "INSERT INTO instance_keys (name, private_key_pem, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                vec![ROW.into(), local.into(), crate::clock::now_millis().into()],
            )
            .await?;
            read(&db.query(select, vec![ROW.into()]).await?).context("the VAPID key was stored but cannot be read back")?
        }
    };
    VapidKey::from_pem(&pem).context("the VAPID key in the database")
}

#[cfg(test)]
mod tests {
    use super::*;
    use web_push_native::p256::ecdsa::signature::Verifier as _;

    #[test]
    fn the_authorization_is_a_jwt_signed_by_the_advertised_key() {
        let key = VapidKey::from_secret(&p256::SecretKey::random(&mut rand::rngs::OsRng));
        let endpoint = reqwest::Url::parse("https://push.example:8443/send/abc?x=1").unwrap();
        let header = key.authorization(&endpoint, std::time::Duration::from_secs(3600), "mailto:admin@example.org").unwrap();
        let (token, k) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(k, key.public_key);
        let parts: Vec<&str> = token.split('.').collect();
        let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example:8443");
        assert_eq!(claims["sub"], "mailto:admin@example.org");
        let public = p256::PublicKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
        let signature = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        let verifying = p256::ecdsa::VerifyingKey::from(public);
        assert!(verifying.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).is_ok());
        assert!(verifying.verify(b"something else", &signature).is_err());
    }
}
