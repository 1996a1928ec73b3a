//! Local accounts: creating them (profile row, login, password hash, signing key),
//! changing their login, role and state, and checking a login's password.
//!
//! The profile lives in `accounts` (components read it); the login in `users`; the
//! password hash in `account_credentials` and the private key in `account_keys`, both
//! host-only tables.

use std::sync::Arc;

use aerie_contract::uris;
use anyhow::Context as _;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

use crate::clock::now_millis;
use crate::db::{Database, Value};
use crate::ids::IdGenerator;
use crate::operator_error::OperatorError;

use super::secrets;

/// Roles a local user can have.
pub const ROLES: &[&str] = &["user", "moderator", "admin"];

/// Mastodon's username rule: letters, digits and underscores, at most 30 characters.
pub fn validate_username(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 30 {
        return Err("a username has 1 to 30 characters".into());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("a username has only letters, digits and underscores".into());
    }
    Ok(())
}

/// What a new local account needs.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub role: &'a str,
    pub confirmed: bool,
    /// `scheme://web_domain`, the base of the account's URIs.
    pub base_url: &'a str,
}

/// Creates a local account; returns its id. Refuses a taken username or email.
pub async fn create_local(db: &Database, ids: &Arc<IdGenerator>, new: NewAccount<'_>) -> anyhow::Result<i64> {
    validate_username(new.username)
        .map_err(|why| OperatorError::new(format!("invalid username {:?}: {why}", new.username), "choose another name"))?;
    if !new.email.contains('@') {
        return Err(OperatorError::new(format!("invalid email {:?}", new.email), "give an address like name@example.org").into());
    }
    if !ROLES.contains(&new.role) {
        return Err(OperatorError::new(format!("unknown role {:?}", new.role), format!("use one of: {}", ROLES.join(", "))).into());
    }
    let taken = db
        .query(
            "SELECT (SELECT COUNT(*) FROM accounts WHERE lower(username) = lower($1) AND domain IS NULL) AS names, \
                    (SELECT COUNT(*) FROM users WHERE lower(email) = lower($2)) AS emails",
            vec![new.username.into(), new.email.into()],
        )
        .await?;
    if taken.i64(0, "names").unwrap_or(0) > 0 {
        return Err(OperatorError::new(format!("the username {:?} is taken", new.username), "choose another name").into());
    }
    if taken.i64(0, "emails").unwrap_or(0) > 0 {
        return Err(OperatorError::new(format!("the email {:?} already has an account", new.email), "use another address").into());
    }

    let password = new.password.to_string();
    let (password_hash, private_pem, public_pem) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let hash = secrets::hash_password(&password)?;
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).context("generating the account key")?;
        let private_pem = key.to_pkcs8_pem(LineEnding::LF)?.to_string();
        let public_pem = RsaPublicKey::from(&key).to_public_key_pem(LineEnding::LF)?;
        Ok((hash, private_pem, public_pem))
    })
    .await??;

    let now = now_millis();
    let account_id = ids.next();
    let user_id = ids.next();
    let name = new.username;
    let base = new.base_url.trim_end_matches('/');
    let uri = uris::actor(base, name);
    let tx = db.begin().await?;
    tx.execute(
        "INSERT INTO accounts (id, username, domain, display_name, created_at, uri, url, inbox_url, shared_inbox_url, outbox_url, \
                               followers_url, featured_url, public_key_id, public_key_pem, updated_at) \
         VALUES ($1, $2, NULL, '', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $3)",
        vec![
            account_id.into(),
            name.into(),
            now.into(),
            uri.clone().into(),
            uris::profile(base, name).into(),
            uris::inbox(&uri).into(),
            uris::shared_inbox(base).into(),
            uris::outbox(&uri).into(),
            uris::followers(&uri).into(),
            uris::featured(&uri).into(),
            uris::key_id(&uri).into(),
            public_pem.into(),
        ],
    )
    .await?;
    tx.execute(
        "INSERT INTO users (id, account_id, email, created_at, role, confirmed_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $4)",
        vec![user_id.into(), account_id.into(), new.email.into(), now.into(), new.role.into(), new.confirmed.then_some(now).into()],
    )
    .await?;
    tx.execute(
        "INSERT INTO account_credentials (account_id, password_hash, updated_at) VALUES ($1, $2, $3)",
        vec![account_id.into(), password_hash.into(), now.into()],
    )
    .await?;
    tx.execute(
        "INSERT INTO account_keys (account_id, private_key_pem, created_at) VALUES ($1, $2, $3)",
        vec![account_id.into(), private_pem.into(), now.into()],
    )
    .await?;
    tx.commit().await?;
    Ok(account_id)
}

/// Why a login was refused; the text is shown to the person logging in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginProblem {
    WrongCredentials,
    Unconfirmed,
    Disabled,
}

impl LoginProblem {
    pub fn message(self) -> &'static str {
        match self {
            LoginProblem::WrongCredentials => "Invalid email or password.",
            LoginProblem::Unconfirmed => "This account is not confirmed yet. An administrator can confirm it.",
            LoginProblem::Disabled => "This account is disabled or suspended.",
        }
    }
}

/// Checks a login (email or username) and password; returns the account id.
pub async fn check_login(db: &Database, login: &str, password: &str) -> anyhow::Result<Result<i64, LoginProblem>> {
    let rows = db
        .query(
            "SELECT a.id, c.password_hash, u.confirmed_at, u.disabled, u.approved, a.suspended_at, a.deleted_at \
             FROM users u JOIN accounts a ON a.id = u.account_id \
             JOIN account_credentials c ON c.account_id = a.id \
             WHERE lower(u.email) = lower($1) OR (a.domain IS NULL AND lower(a.username) = lower($1))",
            vec![login.trim().into()],
        )
        .await?;
    let hash = rows.text(0, "password_hash").map(str::to_string);
    let password = password.to_string();
    // Verify even for an unknown login, so the answer takes as long either way.
    let matches = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => secrets::verify_password(&password, &hash),
        None => {
            let _ = secrets::verify_password(&password, dummy_hash());
            false
        }
    })
    .await?;
    if !matches {
        return Ok(Err(LoginProblem::WrongCredentials));
    }
    if rows.i64(0, "disabled").unwrap_or(0) != 0
        || rows.i64(0, "approved").unwrap_or(1) == 0
        || rows.i64(0, "suspended_at").is_some()
        || rows.i64(0, "deleted_at").is_some()
    {
        return Ok(Err(LoginProblem::Disabled));
    }
    if rows.i64(0, "confirmed_at").is_none() {
        return Ok(Err(LoginProblem::Unconfirmed));
    }
    Ok(Ok(rows.i64(0, "id").unwrap_or_default()))
}

/// A real argon2 hash of a random password, checked for unknown logins.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| secrets::hash_password(&secrets::random_password()).unwrap_or_default())
}

/// A local account's id by username, or an operator error naming it.
pub async fn local_id(db: &Database, username: &str) -> anyhow::Result<i64> {
    let rows = db
        .query("SELECT id FROM accounts WHERE lower(username) = lower($1) AND domain IS NULL AND deleted_at IS NULL", vec![username.into()])
        .await?;
    rows.i64(0, "id").ok_or_else(|| {
        OperatorError::new(format!("there is no local account {username:?}"), "`aerie admin accounts list` shows the accounts").into()
    })
}

/// Changes to a local account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct Changes<'a> {
    pub email: Option<&'a str>,
    pub role: Option<&'a str>,
    pub password: Option<&'a str>,
    pub confirm: bool,
    pub disabled: Option<bool>,
    pub approve: bool,
}

pub async fn modify(db: &Database, account_id: i64, changes: Changes<'_>) -> anyhow::Result<()> {
    let now = now_millis();
    if let Some(role) = changes.role {
        if !ROLES.contains(&role) {
            return Err(OperatorError::new(format!("unknown role {role:?}"), format!("use one of: {}", ROLES.join(", "))).into());
        }
        db.execute("UPDATE users SET role = $1, updated_at = $2 WHERE account_id = $3", vec![role.into(), now.into(), account_id.into()])
            .await?;
    }
    if let Some(email) = changes.email {
        if !email.contains('@') {
            return Err(OperatorError::new(format!("invalid email {email:?}"), "give an address like name@example.org").into());
        }
        db.execute("UPDATE users SET email = $1, updated_at = $2 WHERE account_id = $3", vec![email.into(), now.into(), account_id.into()])
            .await?;
    }
    if changes.confirm {
        db.execute(
            "UPDATE users SET confirmed_at = $1, updated_at = $1 WHERE account_id = $2 AND confirmed_at IS NULL",
            vec![now.into(), account_id.into()],
        )
        .await?;
    }
    if changes.approve {
        db.execute("UPDATE users SET approved = 1, updated_at = $1 WHERE account_id = $2", vec![now.into(), account_id.into()]).await?;
    }
    if let Some(disabled) = changes.disabled {
        db.execute(
            "UPDATE users SET disabled = $1, updated_at = $2 WHERE account_id = $3",
            vec![(disabled as i64).into(), now.into(), account_id.into()],
        )
        .await?;
    }
    if let Some(password) = changes.password {
        let password = password.to_string();
        let hash = tokio::task::spawn_blocking(move || secrets::hash_password(&password)).await??;
        db.execute(
            "UPDATE account_credentials SET password_hash = $1, updated_at = $2 WHERE account_id = $3",
            vec![hash.into(), now.into(), account_id.into()],
        )
        .await?;
        // A new password ends every session, as Mastodon does.
        revoke_all_tokens(db, account_id).await?;
    }
    Ok(())
}

/// Deletes a local account: its login, password, keys and tokens go; the account row
/// stays as a tombstone (deleted_at set, profile emptied) so its name is never reused
/// and remote servers that still hold its posts see it gone. Its statuses are deleted.
pub async fn delete(db: &Database, account_id: i64) -> anyhow::Result<()> {
    let now = now_millis();
    revoke_all_tokens(db, account_id).await?;
    let tx = db.begin().await?;
    tx.execute("DELETE FROM account_credentials WHERE account_id = $1", vec![account_id.into()]).await?;
    tx.execute("DELETE FROM users WHERE account_id = $1", vec![account_id.into()]).await?;
    tx.execute("UPDATE statuses SET deleted_at = $1 WHERE account_id = $2 AND deleted_at IS NULL", vec![now.into(), account_id.into()])
        .await?;
    tx.execute(
        "UPDATE accounts SET deleted_at = $1, suspended_at = $1, display_name = '', note = '', fields = '[]', \
                avatar_url = NULL, header_url = NULL, avatar_key = NULL, header_key = NULL, updated_at = $1 WHERE id = $2",
        vec![now.into(), account_id.into()],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn revoke_all_tokens(db: &Database, account_id: i64) -> anyhow::Result<()> {
    db.execute(
        "UPDATE oauth_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        vec![now_millis().into(), Value::Int(account_id)],
    )
    .await?;
    Ok(())
}

/// One row of `aerie admin accounts list`.
pub struct Listed {
    pub username: String,
    pub email: String,
    pub role: String,
    pub confirmed: bool,
    pub disabled: bool,
    pub created_at: i64,
}

pub async fn list(db: &Database) -> anyhow::Result<Vec<Listed>> {
    let rows = db
        .query(
            "SELECT a.username, u.email, u.role, u.confirmed_at, u.disabled, a.created_at \
             FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.domain IS NULL AND a.deleted_at IS NULL ORDER BY a.id",
            vec![],
        )
        .await?;
    Ok((0..rows.len())
        .map(|i| Listed {
            username: rows.text(i, "username").unwrap_or_default().to_string(),
            email: rows.text(i, "email").unwrap_or_default().to_string(),
            role: rows.text(i, "role").unwrap_or_default().to_string(),
            confirmed: rows.i64(i, "confirmed_at").is_some(),
            disabled: rows.i64(i, "disabled").unwrap_or(0) != 0,
            created_at: rows.i64(i, "created_at").unwrap_or_default(),
        })
        .collect())
}
