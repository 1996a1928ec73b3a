//! `idempotency_keys`: the `Idempotency-Key`s of posts, each reserved by one request
//! and then naming the status it made.

use aerie_sdk::db::{Error, Handle, Value};

fn key(account: i64, key: &str) -> [Value; 2] {
    [Value::Int64(account), Value::Text(key.to_string())]
}

/// Deletes the keys made before `before` (one indexed range delete).
pub fn sweep(db: &impl Handle, before: i64) -> Result<(), Error> {
    db.execute("DELETE FROM idempotency_keys WHERE created_at < $1", &[Value::Int64(before)])?;
    Ok(())
}

/// Reserves `account`'s `key` at `now`, by one atomic statement; returns whether
/// this call reserved it (exactly one of any number of concurrent calls does).
pub fn reserve(db: &impl Handle, account: i64, idempotency_key: &str, now: i64) -> Result<bool, Error> {
    let [account, idempotency_key] = key(account, idempotency_key);
    let inserted = db.execute(
        "INSERT INTO idempotency_keys (account_id, idempotency_key, status_id, created_at) VALUES ($1, $2, NULL, $3) \
         ON CONFLICT (account_id, idempotency_key) DO NOTHING",
        &[account, idempotency_key, Value::Int64(now)],
    )?;
    Ok(inserted == 1)
}

/// The status `account`'s `key` made (`None` while its request still posts) and
/// when the key was reserved; `None` when there is no such key.
pub fn find(db: &impl Handle, account: i64, idempotency_key: &str) -> Result<Option<(Option<i64>, i64)>, Error> {
    let rows = db.query(
        "SELECT status_id, created_at FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2",
        &key(account, idempotency_key),
    )?;
    Ok(rows.first().map(|row| (row.i64("status_id"), row.i64("created_at").unwrap_or(0))))
}

/// Deletes `account`'s `key` if it is still the one reserved at `created`, so two
/// requests taking over a stale key cannot delete each other's fresh reservation.
pub fn take_over(db: &impl Handle, account: i64, idempotency_key: &str, created: i64) -> Result<(), Error> {
    let [account, idempotency_key] = key(account, idempotency_key);
    db.execute(
        "DELETE FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2 AND created_at = $3",
        &[account, idempotency_key, Value::Int64(created)],
    )?;
    Ok(())
}

/// Records that `account`'s `key` made status `status`.
pub fn record(db: &impl Handle, account: i64, idempotency_key: &str, status: i64) -> Result<(), Error> {
    let [account, idempotency_key] = key(account, idempotency_key);
    db.execute(
        "UPDATE idempotency_keys SET status_id = $3 WHERE account_id = $1 AND idempotency_key = $2",
        &[account, idempotency_key, Value::Int64(status)],
    )?;
    Ok(())
}

/// Gives up `account`'s `key` when it made no status.
pub fn release(db: &impl Handle, account: i64, idempotency_key: &str) -> Result<(), Error> {
    db.execute(
        "DELETE FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2 AND status_id IS NULL",
        &key(account, idempotency_key),
    )?;
    Ok(())
}
