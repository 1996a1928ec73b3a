//! Signed GETs (Mastodon's "authorized fetch"): a request for an ActivityPub document
//! that carries an HTTP signature from a known remote account is answered as that
//! account would see it. The host checks the signature and passes the account id to
//! the component in `x-aerie-signer-account-id` (incoming copies are stripped like
//! every `x-aerie-*` header); a bad signature is refused with 401 and the reason.
//!
//! Keys of accounts this instance has not seen yet would have to be fetched (signed,
//! by the instance actor); until the delivery side lands, such requests are served
//! as anonymous.

use super::signatures::{SignatureHeader, SignedParts, VerifyingKey, verify};
use crate::db::Database;

/// Header the host sets to the verified signer's account id.
pub const SIGNER_HEADER: &str = aerie_contract::headers::SIGNER_ACCOUNT_ID;

/// What the signature of a request says about who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// No signature, or one by a key this instance does not know yet.
    Anonymous,
    /// A valid signature by this remote account.
    Account(i64),
}

/// Checks the request's RFC 9421 signature (`Signature-Input` + `Signature`, over
/// `target_uri`) or its draft-cavage `Signature` (or `Authorization: Signature …`)
/// header. `Err` carries the reason for a 401.
pub async fn check(
    db: &Database,
    method: &str,
    path_and_query: &str,
    target_uri: &str,
    headers: &http::HeaderMap,
) -> Result<Signer, String> {
    if super::rfc9421::is_present(headers) {
        let signed = super::rfc9421::Signed::from_headers(headers).map_err(|e| e.to_string())?;
        let Some((account, pem)) = known_key(db, &signed.key_id).await? else { return Ok(Signer::Anonymous) };
        let key = VerifyingKey::from_pem(&pem).map_err(|e| e.to_string())?;
        let parts = super::rfc9421::RequestParts { method, target_uri, headers };
        super::rfc9421::verify_signed(&parts, &signed, &key, None).map_err(|e| e.to_string())?;
        return Ok(Signer::Account(account));
    }
    let raw = headers.get("signature").and_then(|v| v.to_str().ok()).map(str::to_string).or_else(|| {
        headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).filter(|v| v.starts_with("Signature ")).map(str::to_string)
    });
    let Some(raw) = raw else { return Ok(Signer::Anonymous) };
    let header = SignatureHeader::parse(&raw).map_err(|e| e.to_string())?;
    let Some((account, pem)) = known_key(db, &header.key_id).await? else { return Ok(Signer::Anonymous) };
    let key = VerifyingKey::from_pem(&pem).map_err(|e| e.to_string())?;
    verify(&SignedParts { method, path_and_query, headers }, &header, &key, false).map_err(|e| e.to_string())?;
    Ok(Signer::Account(account))
}

/// The remote account whose key is `key_id`, with the key.
async fn known_key(db: &Database, key_id: &str) -> Result<Option<(i64, String)>, String> {
    let rows = db
        .query(
            "SELECT id, public_key_pem FROM accounts WHERE public_key_id = $1 AND domain IS NOT NULL AND suspended_at IS NULL AND deleted_at IS NULL",
            vec![key_id.into()],
        )
        .await
        .map_err(|e| format!("the signing key could not be looked up: {e}"))?;
    Ok(match (rows.i64(0, "id"), rows.text(0, "public_key_pem")) {
        (Some(account), Some(pem)) => Some((account, pem.to_string())),
        _ => None,
    })
}
