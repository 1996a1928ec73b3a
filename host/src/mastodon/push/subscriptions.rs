//! The `web_push_subscriptions` table (host-only): one subscription per access token.
//! A subscription whose token was revoked or expired is never read back (and goes
//! with its token's row).

use std::collections::BTreeMap;

use crate::clock::now_millis;
use crate::db::{Database, DbError, RowSet, Value};

/// The notification types a subscription can ask alerts for (Mastodon 4.3's
/// `Notification::TYPES`), in the order the entity lists them.
pub const ALERT_TYPES: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
];

/// Who a subscription hears from (`data.policy`).
pub const POLICIES: &[&str] = &["all", "followed", "follower", "none"];

/// Which alerts a subscription wants: the types the client named, on or off.
pub type Alerts = BTreeMap<String, bool>;

/// One stored subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub account_id: i64,
    pub endpoint: String,
    pub key_p256dh: String,
    pub key_auth: String,
    pub alerts: Alerts,
    pub policy: String,
    /// The subscribing access token, sealed ([`super::sealed_token`]): the push
    /// payload carries it.
    pub access_token: String,
}

impl Subscription {
    /// Whether a notification of `kind` is wanted (an alert not named is off, as in
    /// Mastodon).
    pub fn wants(&self, kind: &str) -> bool {
        self.alerts.get(kind).copied().unwrap_or(false)
    }
}

/// What a client subscribes with.
pub struct NewSubscription {
    pub endpoint: String,
    pub key_p256dh: String,
    pub key_auth: String,
    pub alerts: Alerts,
    pub policy: String,
}

const COLUMNS: &str = "s.id, s.account_id, s.endpoint, s.key_p256dh, s.key_auth, s.alerts, s.policy, s.access_token";
/// Joined to its token, which must still be good.
const LIVE: &str = "FROM web_push_subscriptions s JOIN oauth_tokens t ON t.id = s.token_id \
                    WHERE t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $1)";

fn read(rows: &RowSet) -> Vec<Subscription> {
    (0..rows.len())
        .map(|i| Subscription {
            id: rows.i64(i, "id").unwrap_or_default(),
            account_id: rows.i64(i, "account_id").unwrap_or_default(),
            endpoint: rows.text(i, "endpoint").unwrap_or_default().to_string(),
            key_p256dh: rows.text(i, "key_p256dh").unwrap_or_default().to_string(),
            key_auth: rows.text(i, "key_auth").unwrap_or_default().to_string(),
            alerts: serde_json::from_str(rows.text(i, "alerts").unwrap_or("{}")).unwrap_or_default(),
            policy: rows.text(i, "policy").unwrap_or("all").to_string(),
            access_token: rows.text(i, "access_token").unwrap_or_default().to_string(),
        })
        .collect()
}

/// The subscription of token `token_id`.
pub async fn of_token(db: &Database, token_id: i64) -> Result<Option<Subscription>, DbError> {
    let sql = format!("SELECT {COLUMNS} {LIVE} AND s.token_id = $2");
    Ok(read(&db.query(&sql, vec![now_millis().into(), token_id.into()]).await?).into_iter().next())
}

/// Subscription `id`.
pub async fn by_id(db: &Database, id: i64) -> Result<Option<Subscription>, DbError> {
    let sql = format!("SELECT {COLUMNS} {LIVE} AND s.id = $2");
    Ok(read(&db.query(&sql, vec![now_millis().into(), id.into()]).await?).into_iter().next())
}

/// The subscriptions of local account `account`.
pub async fn of_account(db: &Database, account: i64) -> Result<Vec<Subscription>, DbError> {
    let sql = format!("SELECT {COLUMNS} {LIVE} AND s.account_id = $2 ORDER BY s.id");
    Ok(read(&db.query(&sql, vec![now_millis().into(), account.into()]).await?))
}

/// Whether local account `account` has any subscription (a cheap check before work).
pub async fn any_for_account(db: &Database, account: i64) -> Result<bool, DbError> {
    let rows = db.query("SELECT 1 AS one FROM web_push_subscriptions WHERE account_id = $1 LIMIT 1", vec![account.into()]).await?;
    Ok(!rows.is_empty())
}

/// Replaces token `token_id`'s subscription with `new` (Mastodon drops the old one and
/// makes a new one, with a new id).
pub async fn replace(
    db: &Database,
    token_id: i64,
    account_id: i64,
    access_token: &str,
    new: &NewSubscription,
) -> Result<Option<Subscription>, DbError> {
    let now = now_millis();
    let tx = db.begin().await?;
    tx.execute("DELETE FROM web_push_subscriptions WHERE token_id = $1", vec![token_id.into()]).await?;
    tx.execute(
        "INSERT INTO web_push_subscriptions \
         (token_id, account_id, access_token, endpoint, key_p256dh, key_auth, alerts, policy, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        vec![
            token_id.into(),
            account_id.into(),
            access_token.into(),
            new.endpoint.clone().into(),
            new.key_p256dh.clone().into(),
            new.key_auth.clone().into(),
            alerts_json(&new.alerts).into(),
            new.policy.clone().into(),
            now.into(),
        ],
    )
    .await?;
    tx.commit().await?;
    of_token(db, token_id).await
}

/// Sets the alerts and policy of token `token_id`'s subscription; `None` if it has none.
pub async fn update(db: &Database, token_id: i64, alerts: &Alerts, policy: &str) -> Result<Option<Subscription>, DbError> {
    db.execute(
        "UPDATE web_push_subscriptions SET alerts = $1, policy = $2, updated_at = $3 WHERE token_id = $4",
        vec![alerts_json(alerts).into(), policy.into(), now_millis().into(), token_id.into()],
    )
    .await?;
    of_token(db, token_id).await
}

/// Removes token `token_id`'s subscription (none is not an error).
pub async fn delete_of_token(db: &Database, token_id: i64) -> Result<(), DbError> {
    db.execute("DELETE FROM web_push_subscriptions WHERE token_id = $1", vec![token_id.into()]).await?;
    Ok(())
}

/// Removes subscription `id` (its push service said it is gone).
pub async fn delete(db: &Database, id: i64) -> Result<(), DbError> {
    db.execute("DELETE FROM web_push_subscriptions WHERE id = $1", vec![Value::Int(id)]).await?;
    Ok(())
}

/// Whether `follower` follows `followed` (the `followed` and `follower` policies).
pub async fn follows(db: &Database, follower: i64, followed: i64) -> Result<bool, DbError> {
    let rows = db
        .query("SELECT 1 AS one FROM follows WHERE account_id = $1 AND target_account_id = $2", vec![follower.into(), followed.into()])
        .await?;
    Ok(!rows.is_empty())
}

fn alerts_json(alerts: &Alerts) -> String {
    serde_json::to_string(alerts).expect("a map of booleans serializes")
}
