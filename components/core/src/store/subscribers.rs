//! Followers who asked to hear of an account's new statuses (`follows.notify`,
//! Mastodon's bell), as a new status finds them.

use aerie_sdk::db::{Error, Handle, Value};

/// The followers of local author `author` with notifications on who do not mute
/// them (at `now`), with the languages each follow is limited to (a JSON list).
pub fn of_local(db: &impl Handle, author: i64, now: i64) -> Result<Vec<(i64, Option<String>)>, Error> {
    Ok(db
        .query(
            "SELECT f.account_id, f.languages FROM follows f WHERE f.target_account_id = $1 AND f.notify = 1 \
               AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = f.account_id AND mu.target_account_id = $1 \
                 AND (mu.expires_at IS NULL OR mu.expires_at > $2))",
            &[Value::Int64(author), Value::Int64(now)],
        )?
        .iter()
        .filter_map(|f| Some((f.i64("account_id")?, f.string("languages"))))
        .collect())
}

/// The local followers of remote author `author` with notifications on.
pub fn of_remote(db: &impl Handle, author: i64) -> Result<Vec<i64>, Error> {
    Ok(db
        .query(
            "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL \
             WHERE f.target_account_id = $1 AND f.notify = 1",
            &[Value::Int64(author)],
        )?
        .iter()
        .filter_map(|r| r.i64("account_id"))
        .collect())
}
