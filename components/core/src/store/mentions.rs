//! `mentions`: the accounts a status names (visible) or is addressed to without
//! naming them (silent).

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};
use aerie_sdk::settings;

use crate::rows::{ACCOUNT_COLUMNS, AccountRow};

/// Makes `mentioned` the visible and `silent` the silent mentions of status
/// `status`: new ones are written, visible ones no longer named turn silent (whoever
/// could see the status still can, as in Mastodon). Returns the accounts that were
/// not visibly mentioned before (to notify).
pub fn set(db: &impl Handle, status: i64, mentioned: &[i64], silent: &[i64], now: i64) -> Result<Vec<i64>, Error> {
    let existing: Vec<(i64, bool)> = db
        .query("SELECT account_id, silent FROM mentions WHERE status_id = $1", &[Value::Int64(status)])?
        .iter()
        .filter_map(|r| Some((r.i64("account_id")?, r.bool("silent"))))
        .collect();
    let mut newly_visible = Vec::new();
    for (&account, is_silent) in mentioned.iter().map(|a| (a, false)).chain(silent.iter().map(|a| (a, true))) {
        if existing.iter().any(|(a, s)| *a == account && *s == is_silent) {
            continue;
        }
        db.execute(
            "INSERT INTO mentions (id, status_id, account_id, silent, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (status_id, account_id) DO UPDATE SET silent = $4",
            &[
                Value::Int64(settings::next_id()),
                Value::Int64(status),
                Value::Int64(account),
                Value::Int64(is_silent as i64),
                Value::Int64(now),
            ],
        )?;
        let was_visible = existing.iter().any(|(a, s)| *a == account && !*s);
        if !is_silent && !was_visible {
            newly_visible.push(account);
        }
    }
    let gone: Vec<i64> = existing.iter().filter(|(a, s)| !*s && !mentioned.contains(a) && !silent.contains(a)).map(|(a, _)| *a).collect();
    for account in gone {
        db.execute(
            "UPDATE mentions SET silent = 1 WHERE status_id = $1 AND account_id = $2",
            &[Value::Int64(status), Value::Int64(account)],
        )?;
    }
    Ok(newly_visible)
}

/// The visibly mentioned accounts of statuses `status_ids`, as `(status id,
/// account)`, in the order they were mentioned.
pub fn accounts_of(db: &impl Handle, status_ids: &[i64]) -> Result<Vec<(i64, AccountRow)>, Error> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT m.status_id, {ACCOUNT_COLUMNS} FROM mentions m JOIN accounts a ON a.id = m.account_id \
         WHERE m.status_id IN ({}) AND m.silent = 0 ORDER BY m.id",
        placeholders(1, status_ids.len())
    );
    Ok(db.query(&sql, &ids(status_ids))?.iter().map(|r| (r.i64("status_id").unwrap_or_default(), AccountRow::from_row(&r))).collect())
}

/// The accounts status `status` mentions; `silent` ones too when asked.
pub fn account_ids_of(db: &impl Handle, status: i64, with_silent: bool) -> Result<Vec<i64>, Error> {
    let sql = if with_silent {
        "SELECT account_id FROM mentions WHERE status_id = $1"
    } else {
        "SELECT account_id FROM mentions WHERE status_id = $1 AND silent = 0"
    };
    Ok(db.query(sql, &[Value::Int64(status)])?.iter().filter_map(|r| r.i64("account_id")).collect())
}

/// The accounts status `status` mentions, not silently, in mention order.
pub fn accounts_in_order(db: &impl Handle, status: i64) -> Result<Vec<AccountRow>, Error> {
    Ok(db
        .query(
            &format!(
                "SELECT {ACCOUNT_COLUMNS} FROM mentions m JOIN accounts a ON a.id = m.account_id WHERE m.status_id = $1 AND m.silent = 0 ORDER BY m.id"
            ),
            &[Value::Int64(status)],
        )?
        .iter()
        .map(|r| AccountRow::from_row(&r))
        .collect())
}
