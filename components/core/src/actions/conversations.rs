//! Direct conversations (Mastodon's `AccountConversation`): a direct status joins
//! the conversation of its local author (read) and of each local recipient it
//! notified (unread), keyed by thread and participants; a deleted one leaves them.
//! A reader marks one read or removes it (for themself only). Muting a thread keeps
//! its notifications away from the muter (`store::notifications::create`).

use aerie_sdk::db::{self, Error, Handle};
use aerie_sdk::{events, settings};

use crate::rows::StatusRow;
use crate::store::account_conversations::{self as store, ConversationRow, Joining};

/// A conversation a status joined: its id and owner, for the owner's `direct` stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    pub id: i64,
    pub account: i64,
}

/// Inside the transaction that posts direct status `row`: its local author's
/// conversation (when `author_local`) and those of `notified`, the local accounts
/// its mentions notified. `mentioned` are all the accounts it names.
pub fn join(
    tx: &impl Handle,
    row: &StatusRow,
    mentioned: &[i64],
    notified: &[i64],
    author_local: bool,
    now: i64,
) -> Result<Vec<Joined>, Error> {
    let Some(conversation) = row.conversation_id.filter(|_| row.visibility == "direct" && row.reblog_of_id.is_none()) else {
        return Ok(Vec::new());
    };
    let mut participants = mentioned.to_vec();
    participants.push(row.account_id);
    let mut owners: Vec<(i64, bool)> = Vec::new();
    if author_local {
        owners.push((row.account_id, false));
    }
    owners.extend(notified.iter().filter(|a| **a != row.account_id).map(|a| (*a, true)));
    let mut joined = Vec::new();
    for (account, unread) in owners {
        let joining = Joining { account, conversation, participants: &participants, status: row.id, unread };
        let id = store::add_status(tx, joining, settings::next_id(), now)?;
        joined.push(Joined { id, account });
    }
    Ok(joined)
}

/// Tells each owner's `direct` stream, after the transaction committed.
pub fn publish(joined: &[Joined]) {
    for j in joined {
        events::conversation(j.id, j.account);
    }
}

/// Marks `account`'s conversation `id` read; `None` when it is not theirs.
pub fn mark_read(account: i64, id: i64) -> Result<Option<ConversationRow>, Error> {
    if !store::mark_read(&db::Autocommit, account, id)? {
        return Ok(None);
    }
    store::one(&db::Autocommit, account, id)
}

/// Removes `account`'s conversation `id` for them; false when it is not theirs.
pub fn remove(account: i64, id: i64) -> Result<bool, Error> {
    let tx = db::begin()?;
    let removed = store::remove(&tx, account, id)?;
    tx.commit()?;
    Ok(removed)
}

/// Mutes the thread of `status` for `account`: no more notifications from it.
pub fn mute(account: i64, status: &StatusRow) -> Result<(), Error> {
    if let Some(conversation) = status.conversation_id {
        store::mute(&db::Autocommit, account, conversation, settings::now_millis())?;
    }
    Ok(())
}

/// Unmutes the thread of `status` for `account`.
pub fn unmute(account: i64, status: &StatusRow) -> Result<(), Error> {
    if let Some(conversation) = status.conversation_id {
        store::unmute(&db::Autocommit, account, conversation)?;
    }
    Ok(())
}
