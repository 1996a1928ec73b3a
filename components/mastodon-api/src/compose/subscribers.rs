//! `status` notifications for a new status (Mastodon's "notify me when they post"
//! follows): every local follower with `follows.notify` on who gets the status in
//! their home feed is told, unless it is a reblog, a reply to someone else or a
//! direct message. As in Mastodon's home feed, followers muting the author and
//! followers who limited the follow to languages the status is not in get nothing;
//! blocks and muted notifications are left out by `notifications::create_many`.

use aerie_core::rows::StatusRow;
use aerie_sdk::db::{Error, Transaction, Value};

use aerie_core::store::notifications::{self, Notice};

/// Whether a status tells its author's subscribed followers at all.
fn notifies(row: &StatusRow) -> bool {
    let reply_to_other = row.in_reply_to_id.is_some() && row.in_reply_to_account_id != Some(row.account_id);
    row.reblog_of_id.is_none() && !reply_to_other && matches!(row.visibility.as_str(), "public" | "unlisted" | "private")
}

/// Whether a follow limited to `languages` (a JSON array, or none) shows a status in `language`.
fn language_shown(languages: Option<&str>, language: Option<&str>) -> bool {
    let Some(language) = language.filter(|l| !l.is_empty()) else { return true };
    let wanted: Vec<String> = languages.and_then(|l| serde_json::from_str(l).ok()).unwrap_or_default();
    wanted.is_empty() || wanted.iter().any(|w| w == language)
}

/// Writes the `status` notifications of the new status `row` (in its transaction),
/// except to the accounts in `mentioned`, who were just told of it as a mention.
pub fn notify(tx: &Transaction, row: &StatusRow, mentioned: &[i64], now: i64) -> Result<Vec<Notice>, Error> {
    if !notifies(row) {
        return Ok(Vec::new());
    }
    let followers = tx.query(
        "SELECT f.account_id, f.languages FROM follows f WHERE f.target_account_id = $1 AND f.notify = 1 \
           AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = f.account_id AND mu.target_account_id = $1 \
             AND (mu.expires_at IS NULL OR mu.expires_at > $2))",
        &[Value::Int64(row.account_id), Value::Int64(now)],
    )?;
    let recipients: Vec<i64> = followers
        .iter()
        .filter(|f| language_shown(f.text("languages"), row.language.as_deref()))
        .filter_map(|f| f.i64("account_id"))
        .filter(|id| !mentioned.contains(id))
        .collect();
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    notifications::create_many(tx, &recipients, row.account_id, notifications::STATUS, Some(row.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_statuses_notify() {
        let public = StatusRow { id: 9, account_id: 1, visibility: "public".into(), ..Default::default() };
        assert!(notifies(&public));
        assert!(notifies(&StatusRow { visibility: "private".into(), ..public.clone() }));
        assert!(!notifies(&StatusRow { visibility: "direct".into(), ..public.clone() }));
        assert!(!notifies(&StatusRow { reblog_of_id: Some(3), ..public.clone() }));
        assert!(notifies(&StatusRow { in_reply_to_id: Some(3), in_reply_to_account_id: Some(1), ..public.clone() }));
        assert!(!notifies(&StatusRow { in_reply_to_id: Some(3), in_reply_to_account_id: Some(2), ..public }));
    }

    #[test]
    fn follow_languages() {
        assert!(language_shown(None, Some("en")));
        assert!(language_shown(Some(r#"["en","de"]"#), Some("de")));
        assert!(!language_shown(Some(r#"["en"]"#), Some("fr")));
        assert!(language_shown(Some(r#"["en"]"#), None));
        assert!(language_shown(Some("[]"), Some("fr")));
    }
}
