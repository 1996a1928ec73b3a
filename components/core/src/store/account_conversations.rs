//! `account_conversations` and `account_conversation_statuses`: direct threads as
//! each local participant sees them (Mastodon's `AccountConversation`), keyed by
//! account, thread and the other participants, paged by their last status.

use aerie_sdk::db::{Error, Handle, Row, Value, ids, placeholders};

use crate::contract::paging::Page;

/// One account's view of a direct thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationRow {
    pub id: i64,
    pub account_id: i64,
    /// The other participants (sorted); empty for a note to oneself.
    pub participants: Vec<i64>,
    pub last_status_id: i64,
    pub unread: bool,
}

const COLUMNS: &str = "id, account_id, participant_ids, last_status_id, unread";

impl ConversationRow {
    fn from_row(row: &Row) -> ConversationRow {
        ConversationRow {
            id: row.i64("id").unwrap_or_default(),
            account_id: row.i64("account_id").unwrap_or_default(),
            participants: row.text("participant_ids").unwrap_or_default().split(',').filter_map(|p| p.parse().ok()).collect(),
            last_status_id: row.i64("last_status_id").unwrap_or_default(),
            unread: row.bool("unread"),
        }
    }
}

/// The participants key: the ids other than `account`, sorted, comma-separated.
pub fn participants_key(account: i64, participants: &[i64]) -> String {
    let mut others: Vec<i64> = participants.iter().copied().filter(|p| *p != account).collect();
    others.sort_unstable();
    others.dedup();
    others.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// A status joining one account's conversation.
#[derive(Debug, Clone, Copy)]
pub struct Joining<'a> {
    /// Whose conversation.
    pub account: i64,
    /// The thread (`statuses.conversation_id`).
    pub conversation: i64,
    /// Everyone in it: the status's author and the accounts it names.
    pub participants: &'a [i64],
    pub status: i64,
    /// What the row then says (Mastodon: unread unless the account wrote the status).
    pub unread: bool,
}

/// Adds `joining.status` to the account's conversation of that thread and those
/// participants (created as `new_id` when missing). Returns the conversation's id; a
/// status already in it changes nothing.
pub fn add_status(db: &impl Handle, joining: Joining, new_id: i64, now: i64) -> Result<i64, Error> {
    let Joining { account, conversation, participants, status, unread } = joining;
    let key = participants_key(account, participants);
    db.execute(
        "INSERT INTO account_conversations (id, account_id, conversation_id, participant_ids, last_status_id, unread, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, conversation_id, participant_ids) DO NOTHING",
        &[
            Value::Int64(new_id),
            Value::Int64(account),
            Value::Int64(conversation),
            Value::Text(key.clone()),
            Value::Int64(status),
            Value::Int64(unread as i64),
            Value::Int64(now),
        ],
    )?;
    let id = db
        .query(
            "SELECT id FROM account_conversations WHERE account_id = $1 AND conversation_id = $2 AND participant_ids = $3",
            &[Value::Int64(account), Value::Int64(conversation), Value::Text(key)],
        )?
        .first()
        .and_then(|r| r.i64("id"))
        .unwrap_or(new_id);
    let added = db.execute(
        "INSERT INTO account_conversation_statuses (account_conversation_id, status_id) VALUES ($1, $2) \
         ON CONFLICT (account_conversation_id, status_id) DO NOTHING",
        &[Value::Int64(id), Value::Int64(status)],
    )?;
    if added > 0 {
        db.execute(
            "UPDATE account_conversations SET unread = $2, updated_at = $3, \
               last_status_id = CASE WHEN last_status_id > $4 THEN last_status_id ELSE $4 END WHERE id = $1",
            &[Value::Int64(id), Value::Int64(unread as i64), Value::Int64(now), Value::Int64(status)],
        )?;
    }
    Ok(id)
}

/// Takes deleted status `status` out of every conversation holding it: each falls
/// back to its previous status, or goes when it had no other.
pub fn remove_status(db: &impl Handle, status: i64) -> Result<(), Error> {
    let holding: Vec<i64> = db
        .query("SELECT account_conversation_id FROM account_conversation_statuses WHERE status_id = $1", &[Value::Int64(status)])?
        .iter()
        .filter_map(|r| r.i64("account_conversation_id"))
        .collect();
    if holding.is_empty() {
        return Ok(());
    }
    db.execute("DELETE FROM account_conversation_statuses WHERE status_id = $1", &[Value::Int64(status)])?;
    let list = placeholders(1, holding.len());
    db.execute(
        &format!(
            "DELETE FROM account_conversations WHERE id IN ({list}) AND NOT EXISTS \
               (SELECT 1 FROM account_conversation_statuses acs WHERE acs.account_conversation_id = account_conversations.id)"
        ),
        &ids(&holding),
    )?;
    db.execute(
        &format!(
            "UPDATE account_conversations SET last_status_id = (SELECT MAX(acs.status_id) FROM account_conversation_statuses acs \
               WHERE acs.account_conversation_id = account_conversations.id) WHERE id IN ({list})"
        ),
        &ids(&holding),
    )?;
    Ok(())
}

/// One page of `account`'s conversations, newest last status first (Mastodon pages
/// them by `last_status_id`).
pub fn page(db: &impl Handle, account: i64, page: &Page) -> Result<Vec<ConversationRow>, Error> {
    let (bounds, order, values) = page.sql("last_status_id", 2);
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    let sql = format!("SELECT {COLUMNS} FROM account_conversations WHERE account_id = $1 AND {bounds} {order}");
    Ok(page.finish(db.query(&sql, &params)?.iter().map(|r| ConversationRow::from_row(&r)).collect()))
}

/// `account`'s conversation `id`, when it is theirs.
pub fn one(db: &impl Handle, account: i64, id: i64) -> Result<Option<ConversationRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM account_conversations WHERE account_id = $1 AND id = $2");
    Ok(db.query(&sql, &[Value::Int64(account), Value::Int64(id)])?.first().map(|r| ConversationRow::from_row(&r)))
}

/// Marks `account`'s conversation `id` read; false when it is not theirs.
pub fn mark_read(db: &impl Handle, account: i64, id: i64) -> Result<bool, Error> {
    Ok(db.execute(
        "UPDATE account_conversations SET unread = 0 WHERE account_id = $1 AND id = $2",
        &[Value::Int64(account), Value::Int64(id)],
    )? > 0)
}

/// Removes `account`'s conversation `id` (for them only); false when it is not theirs.
pub fn remove(db: &impl Handle, account: i64, id: i64) -> Result<bool, Error> {
    db.execute(
        "DELETE FROM account_conversation_statuses WHERE account_conversation_id IN \
           (SELECT id FROM account_conversations WHERE account_id = $1 AND id = $2)",
        &[Value::Int64(account), Value::Int64(id)],
    )?;
    Ok(db.execute("DELETE FROM account_conversations WHERE account_id = $1 AND id = $2", &[Value::Int64(account), Value::Int64(id)])? > 0)
}

/// Mutes thread `conversation` for `account` (`status_mutes`); false when muted already.
pub fn mute(db: &impl Handle, account: i64, conversation: i64, now: i64) -> Result<bool, Error> {
    Ok(db.execute(
        "INSERT INTO status_mutes (account_id, conversation_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, conversation_id) DO NOTHING",
        &[Value::Int64(account), Value::Int64(conversation), Value::Int64(now)],
    )? > 0)
}

/// Unmutes thread `conversation` for `account`.
pub fn unmute(db: &impl Handle, account: i64, conversation: i64) -> Result<(), Error> {
    db.execute(
        "DELETE FROM status_mutes WHERE account_id = $1 AND conversation_id = $2",
        &[Value::Int64(account), Value::Int64(conversation)],
    )?;
    Ok(())
}
