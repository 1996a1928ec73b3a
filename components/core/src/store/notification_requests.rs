//! Mastodon 4.3's spam defence: `notification_policies` (what a local account does
//! with notifications from strangers), `notification_requests` (a sender whose
//! mentions were filtered, per recipient), `notification_permissions` (senders the
//! recipient accepted) and the facts the policy decides on.

use aerie_sdk::db::{Error, Handle, Row, Value};

use crate::contract::paging::Page;

/// What a policy does with a kind of sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    #[default]
    Accept,
    Filter,
    Drop,
}

impl Action {
    /// Mastodon's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Filter => "filter",
            Action::Drop => "drop",
        }
    }

    /// From Mastodon's name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Action> {
        match name {
            "accept" => Some(Action::Accept),
            "filter" => Some(Action::Filter),
            "drop" => Some(Action::Drop),
            _ => None,
        }
    }

    fn from_stored(value: Option<i64>) -> Action {
        match value {
            Some(1) => Action::Filter,
            Some(2) => Action::Drop,
            _ => Action::Accept,
        }
    }

    fn stored(self) -> i64 {
        match self {
            Action::Accept => 0,
            Action::Filter => 1,
            Action::Drop => 2,
        }
    }
}

/// A local account's notification policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub for_not_following: Action,
    pub for_not_followers: Action,
    pub for_new_accounts: Action,
    pub for_private_mentions: Action,
    pub for_limited_accounts: Action,
}

impl Default for Policy {
    /// Mastodon's defaults: private mentions and limited accounts filtered.
    fn default() -> Policy {
        Policy {
            for_not_following: Action::Accept,
            for_not_followers: Action::Accept,
            for_new_accounts: Action::Accept,
            for_private_mentions: Action::Filter,
            for_limited_accounts: Action::Filter,
        }
    }
}

/// `account`'s policy (the defaults when never set).
pub fn policy(db: &impl Handle, account: i64) -> Result<Policy, Error> {
    let rows = db.query(
        "SELECT for_not_following, for_not_followers, for_new_accounts, for_private_mentions, for_limited_accounts \
         FROM notification_policies WHERE account_id = $1",
        &[Value::Int64(account)],
    )?;
    Ok(match rows.first() {
        None => Policy::default(),
        Some(r) => Policy {
            for_not_following: Action::from_stored(r.i64("for_not_following")),
            for_not_followers: Action::from_stored(r.i64("for_not_followers")),
            for_new_accounts: Action::from_stored(r.i64("for_new_accounts")),
            for_private_mentions: Action::from_stored(r.i64("for_private_mentions")),
            for_limited_accounts: Action::from_stored(r.i64("for_limited_accounts")),
        },
    })
}

/// Stores `account`'s policy.
pub fn save_policy(db: &impl Handle, account: i64, policy: &Policy, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO notification_policies (account_id, for_not_following, for_not_followers, for_new_accounts, for_private_mentions, \
           for_limited_accounts, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (account_id) DO UPDATE SET for_not_following = excluded.for_not_following, \
           for_not_followers = excluded.for_not_followers, for_new_accounts = excluded.for_new_accounts, \
           for_private_mentions = excluded.for_private_mentions, for_limited_accounts = excluded.for_limited_accounts, \
           updated_at = excluded.updated_at",
        &[
            Value::Int64(account),
            Value::Int64(policy.for_not_following.stored()),
            Value::Int64(policy.for_not_followers.stored()),
            Value::Int64(policy.for_new_accounts.stored()),
            Value::Int64(policy.for_private_mentions.stored()),
            Value::Int64(policy.for_limited_accounts.stored()),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}

/// What the policy looks at about a sender, from the recipient's side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SenderFacts {
    /// The recipient accepted a request of theirs once.
    pub permitted: bool,
    /// The recipient follows them.
    pub followed: bool,
    /// Since when they follow the recipient, if they do.
    pub follows_since: Option<i64>,
    /// When their account was created (first seen, for a remote one).
    pub created_at: i64,
    /// Limited (silenced) by the moderators.
    pub limited: bool,
}

/// The [`SenderFacts`] of `sender` for `recipient`, in one statement.
pub fn sender_facts(db: &impl Handle, recipient: i64, sender: i64) -> Result<SenderFacts, Error> {
    let rows = db.query(
        "SELECT a.created_at, a.silenced_at, \
           (SELECT COUNT(*) FROM notification_permissions p WHERE p.account_id = $1 AND p.from_account_id = $2) AS permitted, \
           (SELECT COUNT(*) FROM follows f WHERE f.account_id = $1 AND f.target_account_id = $2) AS followed, \
           (SELECT f.created_at FROM follows f WHERE f.account_id = $2 AND f.target_account_id = $1) AS follows_since \
         FROM accounts a WHERE a.id = $2",
        &[Value::Int64(recipient), Value::Int64(sender)],
    )?;
    Ok(rows
        .first()
        .map(|r| SenderFacts {
            permitted: r.bool("permitted"),
            followed: r.bool("followed"),
            follows_since: r.i64("follows_since"),
            created_at: r.i64("created_at").unwrap_or_default(),
            limited: r.i64("silenced_at").is_some(),
        })
        .unwrap_or_default())
}

/// Whether a status replying to `parent` answers `recipient`: one of its ancestors
/// (up to 100 up) is `recipient`'s and mentions `sender` (Mastodon: a private
/// mention in a thread the recipient started with the sender is not a stranger's).
pub fn answers_recipient(db: &impl Handle, parent: i64, recipient: i64, sender: i64) -> Result<bool, Error> {
    let rows = db.query(
        "WITH RECURSIVE up (id, parent, author, depth) AS ( \
           SELECT t.id, t.in_reply_to_id, t.account_id, 0 FROM statuses t WHERE t.id = $1 \
           UNION ALL SELECT t.id, t.in_reply_to_id, t.account_id, up.depth + 1 FROM statuses t JOIN up ON t.id = up.parent \
             WHERE up.depth < 100) \
         SELECT COUNT(*) AS n FROM up JOIN mentions m ON m.status_id = up.id AND m.account_id = $3 AND m.silent = 0 \
         WHERE up.author = $2",
        &[Value::Int64(parent), Value::Int64(recipient), Value::Int64(sender)],
    )?;
    Ok(rows.first().and_then(|r| r.i64("n")).unwrap_or(0) > 0)
}

/// Records that `sender`'s mention in `status` was filtered for `recipient`: their
/// request is created (as `new_id`) or points at the newer status.
pub fn note_request(db: &impl Handle, recipient: i64, sender: i64, status: Option<i64>, new_id: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO notification_requests (id, account_id, from_account_id, last_status_id, created_at, updated_at) \
         VALUES ($1, $2, $3, CAST($4 AS BIGINT), $5, $5) \
         ON CONFLICT (account_id, from_account_id) DO UPDATE SET last_status_id = excluded.last_status_id, updated_at = excluded.updated_at",
        &[Value::Int64(new_id), Value::Int64(recipient), Value::Int64(sender), status.map(Value::Int64).unwrap_or(Value::Null), Value::Int64(now)],
    )?;
    Ok(())
}

/// One request as the API shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestRow {
    pub id: i64,
    pub from_account_id: i64,
    pub last_status_id: Option<i64>,
    /// The sender's filtered notifications waiting.
    pub notifications_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const REQUEST_COLUMNS: &str = "r.id, r.from_account_id, r.last_status_id, r.created_at, r.updated_at, \
    (SELECT COUNT(*) FROM notifications n WHERE n.account_id = r.account_id AND n.from_account_id = r.from_account_id \
       AND n.filtered = 1) AS waiting";

impl RequestRow {
    fn from_row(row: &Row) -> RequestRow {
        RequestRow {
            id: row.i64("id").unwrap_or_default(),
            from_account_id: row.i64("from_account_id").unwrap_or_default(),
            last_status_id: row.i64("last_status_id"),
            notifications_count: row.i64("waiting").unwrap_or_default(),
            created_at: row.i64("created_at").unwrap_or_default(),
            updated_at: row.i64("updated_at").unwrap_or_default(),
        }
    }
}

/// One page of `account`'s requests, newest first.
pub fn requests_page(db: &impl Handle, account: i64, page: &Page) -> Result<Vec<RequestRow>, Error> {
    let (bounds, order, values) = page.sql("r.id", 2);
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM notification_requests r WHERE r.account_id = $1 AND {bounds} {order}");
    Ok(page.finish(db.query(&sql, &params)?.iter().map(|r| RequestRow::from_row(&r)).collect()))
}

/// `account`'s request `id`, when it is theirs.
pub fn request(db: &impl Handle, account: i64, id: i64) -> Result<Option<RequestRow>, Error> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM notification_requests r WHERE r.account_id = $1 AND r.id = $2");
    Ok(db.query(&sql, &[Value::Int64(account), Value::Int64(id)])?.first().map(|r| RequestRow::from_row(&r)))
}

/// How many requests `account` has and how many filtered notifications wait in them.
pub fn summary(db: &impl Handle, account: i64) -> Result<(i64, i64), Error> {
    let rows = db.query(
        "SELECT (SELECT COUNT(*) FROM notification_requests r WHERE r.account_id = $1) AS requests, \
           (SELECT COUNT(*) FROM notifications n JOIN notification_requests r ON r.account_id = n.account_id \
              AND r.from_account_id = n.from_account_id WHERE n.account_id = $1 AND n.filtered = 1) AS waiting",
        &[Value::Int64(account)],
    )?;
    let first = rows.first();
    Ok((first.as_ref().and_then(|r| r.i64("requests")).unwrap_or(0), first.as_ref().and_then(|r| r.i64("waiting")).unwrap_or(0)))
}

/// The mentions of direct statuses among `account`'s filtered notifications from
/// `sender`, as `(notification, status)`: what joins a conversation on accept.
pub fn filtered_mentions(db: &impl Handle, account: i64, sender: i64) -> Result<Vec<(i64, i64)>, Error> {
    Ok(db
        .query(
            "SELECT n.id, n.status_id FROM notifications n JOIN statuses s ON s.id = n.status_id \
             WHERE n.account_id = $1 AND n.from_account_id = $2 AND n.filtered = 1 AND n.type = 'mention' \
               AND s.visibility = 'direct' AND s.deleted_at IS NULL ORDER BY n.id",
            &[Value::Int64(account), Value::Int64(sender)],
        )?
        .iter()
        .filter_map(|r| Some((r.i64("id")?, r.i64("status_id")?)))
        .collect())
}

/// Accepts `account`'s request from `sender`: the waiting notifications join the
/// list, later ones pass the policy, the request goes.
pub fn accept(db: &impl Handle, account: i64, sender: i64, now: i64) -> Result<(), Error> {
    let pair = [Value::Int64(account), Value::Int64(sender)];
    db.execute("UPDATE notifications SET filtered = 0 WHERE account_id = $1 AND from_account_id = $2 AND filtered = 1", &pair)?;
    db.execute(
        "INSERT INTO notification_permissions (account_id, from_account_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, from_account_id) DO NOTHING",
        &[Value::Int64(account), Value::Int64(sender), Value::Int64(now)],
    )?;
    db.execute("DELETE FROM notification_requests WHERE account_id = $1 AND from_account_id = $2", &pair)?;
    Ok(())
}

/// Dismisses `account`'s request from `sender`: it and the waiting notifications go.
pub fn dismiss(db: &impl Handle, account: i64, sender: i64) -> Result<(), Error> {
    let pair = [Value::Int64(account), Value::Int64(sender)];
    db.execute("DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND filtered = 1", &pair)?;
    db.execute("DELETE FROM notification_requests WHERE account_id = $1 AND from_account_id = $2", &pair)?;
    Ok(())
}

/// The visibility and parent of status `id`, for the private-mention rule.
pub fn status_shape(db: &impl Handle, id: i64) -> Result<Option<(String, Option<i64>)>, Error> {
    Ok(db
        .query("SELECT visibility, in_reply_to_id FROM statuses WHERE id = $1", &[Value::Int64(id)])?
        .first()
        .map(|r| (r.string("visibility").unwrap_or_default(), r.i64("in_reply_to_id"))))
}
