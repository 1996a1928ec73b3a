//! The public key behind a `keyId`: a stored remote account's, one fetched before
//! (`remote_keys`), or fetched now by a GET signed by the instance actor (GoToSocial
//! and authorized-fetch Mastodon refuse unsigned key fetches).

use serde_json::Value as Json;

use super::client::OutboundError;
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
