//! What the instance knows of itself and its peers: the remote domains it has met
//! and its weekly activity.

use aerie_sdk::db::{Error, Handle, Value};

/// The remote domains this instance knows, in order.
pub fn peers(db: &impl Handle) -> Result<Vec<String>, Error> {
    let rows =
        db.query("SELECT domain FROM instances UNION SELECT DISTINCT domain FROM accounts WHERE domain IS NOT NULL ORDER BY domain", &[])?;
    Ok(rows.iter().filter_map(|r| r.string("domain")).collect())
}

/// What a week's activity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Local statuses posted.
    Statuses,
    /// Users last active that week.
    Logins,
    /// Users registered.
    Registrations,
}

/// Counts by week (the `week`-long windows from `first`, numbered from 0) since `first`.
pub fn activity(db: &impl Handle, first: i64, week: i64) -> Result<Vec<(Counted, i64, i64)>, Error> {
    let rows = db.query(
        "SELECT 's' AS k, (created_at - $1) / $2 AS w, COUNT(*) AS n FROM statuses WHERE local = 1 AND created_at >= $1 \
           GROUP BY 2 \
         UNION ALL SELECT 'l' AS k, (last_active_at - $1) / $2 AS w, COUNT(*) AS n FROM users WHERE last_active_at >= $1 \
           GROUP BY 2 \
         UNION ALL SELECT 'r' AS k, (created_at - $1) / $2 AS w, COUNT(*) AS n FROM users WHERE created_at >= $1 \
           GROUP BY 2",
        &[Value::Int64(first), Value::Int64(week)],
    )?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let counted = match row.text("k") {
                Some("s") => Counted::Statuses,
                Some("l") => Counted::Logins,
                _ => Counted::Registrations,
            };
            Some((counted, row.i64("w")?, row.i64("n").unwrap_or(0)))
        })
        .collect())
}
