//! `follows` and `follow_requests`: the `follows` row and both accounts' counters
//! (`following_count`, `followers_count`) change together.

use aerie_sdk::db::{Error, Handle, Value};
use aerie_sdk::settings;

/// Makes `follower` follow `target` (or updates the options of an existing follow).
/// Returns whether a new follow was made.
pub fn create(tx: &impl Handle, follower: i64, target: i64, show_reblogs: bool, notify: bool) -> Result<bool, Error> {
    let updated = tx.execute(
        "UPDATE follows SET show_reblogs = $3, notify = $4 WHERE account_id = $1 AND target_account_id = $2",
        &[Value::Int64(follower), Value::Int64(target), Value::Int64(show_reblogs as i64), Value::Int64(notify as i64)],
    )?;
    if updated > 0 {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, uri, created_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6)",
        &[
            Value::Int64(settings::next_id()),
            Value::Int64(follower),
            Value::Int64(target),
            Value::Int64(show_reblogs as i64),
            Value::Int64(notify as i64),
            Value::Int64(settings::now_millis()),
        ],
    )?;
    tx.execute("UPDATE accounts SET following_count = following_count + 1 WHERE id = $1", &[Value::Int64(follower)])?;
    tx.execute("UPDATE accounts SET followers_count = followers_count + 1 WHERE id = $1", &[Value::Int64(target)])?;
    Ok(true)
}

/// Ends `follower`'s follow of `target`, if any, and any pending request.
pub fn remove(tx: &impl Handle, follower: i64, target: i64) -> Result<(), Error> {
    let pair = [Value::Int64(follower), Value::Int64(target)];
    tx.execute("DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2", &pair)?;
    if tx.execute("DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2", &pair)? > 0 {
        tx.execute(
            "UPDATE accounts SET following_count = following_count - 1 WHERE id = $1 AND following_count > 0",
            &[Value::Int64(follower)],
        )?;
        tx.execute(
            "UPDATE accounts SET followers_count = followers_count - 1 WHERE id = $1 AND followers_count > 0",
            &[Value::Int64(target)],
        )?;
    }
    Ok(())
}
