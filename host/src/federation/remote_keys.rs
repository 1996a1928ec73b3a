//! The public key behind a `keyId`: a stored remote account's, one fetched before
//! (`remote_keys`), or fetched now by a GET signed by the instance actor (GoToSocial
//! and authorized-fetch Mastodon refuse unsigned key fetches). [`verified_by`] is the
//! one sequence (stored key, else fetched; refetched once if a stored key no longer
//! verifies; owner checked) behind both the inbox's HTTP signatures and the LD
//! signatures of relayed activities. Every fetch and refetch first asks
//! [`super::key_fetch_limits`], so that signed requests cannot make this node fetch
//! keys without bound.

use std::future::Future;

use serde_json::Value as Json;

use super::client::OutboundError;
use super::key_fetch_limits::Refused;
use super::service::Federation;
use crate::db::{Database, Value};

/// A signer's key and who owns it.
#[derive(Debug, Clone)]
pub struct SignerKey {
    pub key_id: String,
    /// The actor URI the key belongs to.
    pub owner: String,
    pub pem: String,
    /// Fetched just now (a failed verification is not worth a refetch).
    pub fresh: bool,
}

/// The stored key for `key_id`, if any.
pub async fn stored(db: &Database, key_id: &str) -> anyhow::Result<Option<SignerKey>> {
    let rows = db
        .query(
            "SELECT uri, public_key_pem FROM accounts WHERE public_key_id = $1 AND domain IS NOT NULL \
             AND public_key_pem IS NOT NULL AND uri IS NOT NULL",
            vec![key_id.into()],
        )
        .await?;
    if let (Some(owner), Some(pem)) = (rows.text(0, "uri"), rows.text(0, "public_key_pem")) {
        return Ok(Some(SignerKey { key_id: key_id.into(), owner: owner.into(), pem: pem.into(), fresh: false }));
    }
    let rows = db.query("SELECT owner_uri, public_key_pem FROM remote_keys WHERE key_id = $1", vec![key_id.into()]).await?;
    Ok(match (rows.text(0, "owner_uri"), rows.text(0, "public_key_pem")) {
        (Some(owner), Some(pem)) => Some(SignerKey { key_id: key_id.into(), owner: owner.into(), pem: pem.into(), fresh: false }),
        _ => None,
    })
}

/// Fetches `key_id` (an actor document with `publicKey`, or a key document with
/// `owner`), stores it and returns it.
pub async fn fetch(federation: &Federation, db: &Database, key_id: &str) -> Result<SignerKey, OutboundError> {
    let body = federation.fetch(key_id, None).await?;
    let doc: Json = serde_json::from_str(&body).map_err(|_| OutboundError::Invalid(format!("{key_id} is not a JSON document")))?;
    let key = key_in_document(&doc, key_id).ok_or_else(|| OutboundError::Invalid(format!("{key_id} names no public key")))?;
    if host_of(&key.owner) != host_of(key_id) {
        return Err(OutboundError::Invalid(format!("key {key_id} claims an owner on another host ({})", key.owner)));
    }
    let now = crate::clock::now_millis();
    let stored = db
        .execute(
            "INSERT INTO remote_keys (key_id, owner_uri, public_key_pem, fetched_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key_id) DO UPDATE SET owner_uri = excluded.owner_uri, public_key_pem = excluded.public_key_pem, \
             fetched_at = excluded.fetched_at",
            vec![key_id.into(), key.owner.clone().into(), key.pem.clone().into(), now.into()],
        )
        .await;
    // A stored account that rotated its key gets the new one too.
    let updated = db
        .execute(
            "UPDATE accounts SET public_key_id = $1, public_key_pem = $2 WHERE uri = $3 AND domain IS NOT NULL",
            vec![key_id.into(), Value::Text(key.pem.clone()), key.owner.clone().into()],
        )
        .await;
    if let Err(e) = stored.and(updated) {
        tracing::warn!(key_id, error = %format!("{e:#}"), "storing a fetched key failed; it will be fetched again");
    }
    Ok(key)
}

/// Whether a key this instance has not stored is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    Fetch,
    /// Not fetched: [`VerifyError::NotStored`]. A Delete from an actor this instance
    /// never saw is dropped this way (fetching the keys of deleted actors is how fetch
    /// storms start).
    Skip,
}

/// Why [`verified_by`] found no key that verifies.
#[derive(Debug)]
pub enum VerifyError {
    /// The database could not be asked for a stored key.
    Lookup(anyhow::Error),
    /// No stored key, and [`Unknown::Skip`].
    NotStored,
    /// No stored key, and fetching it failed.
    Fetch(OutboundError),
    /// The key belongs to this actor, not to the one required.
    NotOwner(String),
    /// The signature does not verify (with the reason the check gave): with a key
    /// fetched just now, or with a stored key and then with the refetched one.
    Rejected(String),
    /// The signature does not verify with the stored key and refetching it failed.
    Refetch(OutboundError),
    /// The key was not fetched (`refetch`: the stored key was not refetched) because
    /// of the bounds on key fetches.
    Limited { refetch: bool, refused: Refused },
}

/// The one key lookup behind every signature a remote server presents (HTTP
/// signatures, LD signatures): the stored key for `key_id`, else the key fetched now;
/// `check` verifies the signature with it. A stored key that does not verify may have
/// been rotated, so it is fetched once more and `check` runs again; a key fetched
/// just now is not (a second fetch would serve the same key). With `owner`, the key
/// must belong to that actor, checked before any verification.
///
/// Fetches and refetches are bounded by the federation's
/// [`KeyFetchLimits`](super::key_fetch_limits::KeyFetchLimits): beyond them the answer
/// is [`VerifyError::Limited`] and nothing is fetched. Run every check that needs no
/// key before calling this.
///
/// Returns the key the signature verified with.
pub async fn verified_by<F, Fut>(
    federation: &Federation,
    db: &Database,
    key_id: &str,
    unknown: Unknown,
    owner: Option<&str>,
    mut check: F,
) -> Result<SignerKey, VerifyError>
where
    F: FnMut(&SignerKey) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let host = host_of(key_id);
    let key = match stored(db, key_id).await.map_err(VerifyError::Lookup)? {
        Some(key) => key,
        None if unknown == Unknown::Skip => return Err(VerifyError::NotStored),
        None => {
            federation.key_fetches.fetch(&host).map_err(|refused| VerifyError::Limited { refetch: false, refused })?;
            fetch(federation, db, key_id).await.map_err(VerifyError::Fetch)?
        }
    };
    let owned_as_required = |key: &SignerKey| match owner {
        Some(owner) if !same_actor(&key.owner, owner) => Err(VerifyError::NotOwner(key.owner.clone())),
        _ => Ok(()),
    };
    owned_as_required(&key)?;
    match check(&key).await {
        Ok(()) => Ok(key),
        Err(_) if !key.fresh => {
            if let Err(refused) = federation.key_fetches.refetch(key_id, &host) {
                // Another request may have just refetched a rotated key: the stored
                // one is worth a second look when it changed.
                if let Ok(Some(current)) = stored(db, key_id).await
                    && current.pem != key.pem
                {
                    owned_as_required(&current)?;
                    if check(&current).await.is_ok() {
                        return Ok(current);
                    }
                }
                return Err(VerifyError::Limited { refetch: true, refused });
            }
            let fresh = fetch(federation, db, key_id).await.map_err(VerifyError::Refetch)?;
            owned_as_required(&fresh)?;
            check(&fresh).await.map_err(VerifyError::Rejected)?;
            Ok(fresh)
        }
        Err(reason) => Err(VerifyError::Rejected(reason)),
    }
}

/// Whether two actor URIs name the same actor (a trailing slash aside).
pub fn same_actor(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// The key `key_id` in an actor or key document.
pub fn key_in_document(doc: &Json, key_id: &str) -> Option<SignerKey> {
    let candidates: Vec<&Json> = match doc.get("publicKey") {
        Some(Json::Array(keys)) => keys.iter().collect(),
        Some(key @ Json::Object(_)) => vec![key],
        _ if doc.get("publicKeyPem").is_some() => vec![doc],
        _ => vec![],
    };
    let chosen = candidates.iter().find(|k| k.get("id").and_then(Json::as_str) == Some(key_id)).or_else(|| candidates.first())?;
    let pem = chosen.get("publicKeyPem")?.as_str()?.to_string();
    // A key embedded in an actor belongs to that actor unless it says otherwise.
    let owner =
        chosen.get("owner").and_then(Json::as_str).or_else(|| doc.get("publicKey").and(doc.get("id")).and_then(Json::as_str))?.to_string();
    Some(SignerKey { key_id: key_id.into(), owner, pem, fresh: true })
}

/// The host of a URL, lowercased; empty when it has none.
pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_in_actors_and_in_key_documents() {
        let actor = serde_json::json!({
            "id": "https://b.test/users/bob", "type": "Person",
            "publicKey": {"id": "https://b.test/users/bob#main-key", "owner": "https://b.test/users/bob", "publicKeyPem": "PEM"}
        });
        let key = key_in_document(&actor, "https://b.test/users/bob#main-key").unwrap();
        assert_eq!((key.owner.as_str(), key.pem.as_str()), ("https://b.test/users/bob", "PEM"));

        // GoToSocial serves the key on its own path, with an owner.
        let key_doc =
            serde_json::json!({"id": "https://g.test/users/x/main-key", "owner": "https://g.test/users/x", "publicKeyPem": "PEM2"});
        let key = key_in_document(&key_doc, "https://g.test/users/x/main-key").unwrap();
        assert_eq!(key.owner, "https://g.test/users/x");

        // Several keys: the one named.
        let many = serde_json::json!({"id": "https://c.test/a", "publicKey": [
            {"id": "https://c.test/a#k1", "owner": "https://c.test/a", "publicKeyPem": "ONE"},
            {"id": "https://c.test/a#k2", "owner": "https://c.test/a", "publicKeyPem": "TWO"}]});
        assert_eq!(key_in_document(&many, "https://c.test/a#k2").unwrap().pem, "TWO");
        assert!(key_in_document(&serde_json::json!({"id": "https://c.test/a"}), "https://c.test/a#k").is_none());
    }
}
