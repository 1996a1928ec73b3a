//! Access tokens: issuing them (hashed at rest, with an optional refresh token) and
//! resolving a presented bearer token into who is asking.

use std::sync::Arc;

use crate::clock::now_millis;
use crate::db::{Database, Value};
use crate::ids::IdGenerator;

use super::scopes::Scopes;
use crate::auth::secrets::{hash_secret, random_secret};

/// A valid token, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub token_id: i64,
    pub application_id: Option<i64>,
    /// `None` for an app-only (client_credentials) token.
    pub account_id: Option<i64>,
    pub scopes: Scopes,
}

/// Why a presented token does not authenticate; the text is Mastodon's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Invalid,
    Revoked,
    Expired,
}

impl TokenProblem {
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::Invalid => "The access token is invalid",
            TokenProblem::Revoked => "The access token was revoked",
            TokenProblem::Expired => "The access token expired",
        }
    }
}

/// The bearer token a request presents: `Authorization: Bearer …`, or the
/// `access_token` query parameter (streaming clients and some libraries use it).
pub fn in_request(headers: &http::HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string()).filter(|t| !t.is_empty());
    }
    let query = query?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(key, value)| key == "access_token" && !value.is_empty())
        .map(|(_, value)| value)
}

/// Looks `token` up. A token of a disabled user or a suspended or deleted account is
/// treated as revoked.
pub async fn resolve(db: &Database, token: &str) -> anyhow::Result<Result<Authenticated, TokenProblem>> {
    let rows = db
        .query(
            "SELECT t.id, t.application_id, t.account_id, t.scopes, t.expires_at, t.revoked_at, \
                    a.suspended_at, a.deleted_at, u.disabled \
             FROM oauth_tokens t \
             LEFT JOIN accounts a ON a.id = t.account_id \
             LEFT JOIN users u ON u.account_id = t.account_id \
             WHERE t.token_hash = $1",
            vec![hash_secret(token).into()],
        )
        .await?;
    if rows.is_empty() {
        return Ok(Err(TokenProblem::Invalid));
    }
    if rows.i64(0, "revoked_at").is_some()
        || rows.i64(0, "suspended_at").is_some()
        || rows.i64(0, "deleted_at").is_some()
        || rows.i64(0, "disabled").unwrap_or(0) != 0
    {
        return Ok(Err(TokenProblem::Revoked));
    }
    if rows.i64(0, "expires_at").is_some_and(|at| at <= now_millis()) {
        return Ok(Err(TokenProblem::Expired));
    }
    Ok(Ok(Authenticated {
        token_id: rows.i64(0, "id").unwrap_or_default(),
        application_id: rows.i64(0, "application_id"),
        account_id: rows.i64(0, "account_id"),
        scopes: Scopes::parse(rows.text(0, "scopes").unwrap_or("")).unwrap_or_default(),
    }))
}

/// A freshly issued token, in the clear: shown to the client once.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scopes: Scopes,
    pub created_at: i64,
}

/// Issues a token for `application_id`, acting as `account_id` (none for app-only
/// tokens). User tokens also get a refresh token.
pub async fn issue(
    db: &Database,
    ids: &Arc<IdGenerator>,
    application_id: i64,
    account_id: Option<i64>,
    scopes: &Scopes,
) -> anyhow::Result<Issued> {
    let access_token = random_secret();
    let refresh_token = account_id.map(|_| random_secret());
    let created_at = now_millis();
    db.execute(
        "INSERT INTO oauth_tokens (id, token_hash, refresh_token_hash, application_id, account_id, scopes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            ids.next().into(),
            hash_secret(&access_token).into(),
            refresh_token.as_deref().map(hash_secret).into(),
            application_id.into(),
            account_id.into(),
            scopes.to_string().into(),
            created_at.into(),
        ],
    )
    .await?;
    Ok(Issued { access_token, refresh_token, scopes: scopes.clone(), created_at })
}

/// Revokes a token of `application_id` given as its access or refresh token. Revoking
/// an unknown token is not an error (RFC 7009).
pub async fn revoke(db: &Database, application_id: i64, token: &str) -> anyhow::Result<()> {
    let hash = hash_secret(token);
    db.execute(
        "UPDATE oauth_tokens SET revoked_at = $1 \
         WHERE application_id = $2 AND revoked_at IS NULL AND (token_hash = $3 OR refresh_token_hash = $3)",
        vec![now_millis().into(), application_id.into(), Value::Text(hash)],
    )
    .await?;
    Ok(())
}
