//! Statuses: posting, editing and deleting one, for a local author (the client
//! API) or a remote one (the inbox, backfill, fetched threads). Each does the rows,
//! the counters (`statuses_count`, `replies_count`, `reblogs_count`), the mentions'
//! and subscribers' notifications and the streaming events once; the caller
//! federates a local change.

mod delete;
mod edit;
mod post;

pub use delete::{Deleted, Files, delete};
pub use edit::{Edit, Edited, edit};
pub use post::{Conversation, NewStatus, Posted, post};

use aerie_sdk::db::{Error, Handle};

use crate::actions::polls::NewPoll;
use crate::media::RemoteMedia;
use crate::remote::RemotePoll;
use crate::store;
use crate::store::notifications::{self, Notice};

/// Why a status could not be written.
#[derive(Debug)]
pub enum Refused {
    /// The database refused or was unavailable.
    Db(Error),
    /// Uploads that are not the author's, or are on another status (a client error).
    MediaNotFound(Vec<i64>),
}

impl From<Error> for Refused {
    fn from(e: Error) -> Self {
        Refused::Db(e)
    }
}

/// A status's files: a local author's uploads (by id, in order), or a remote
/// status's attachments, stored by reference.
#[derive(Debug, Clone)]
pub enum Attachments {
    Uploads(Vec<i64>),
    Remote(Vec<RemoteMedia>),
}

/// A status's poll: a local author's new one, or a remote `Question`'s with its counts.
#[derive(Debug, Clone)]
pub enum Poll {
    Local(NewPoll),
    Remote(RemotePoll),
}

impl Poll {
    /// The option titles and whether several choices are allowed.
    fn shape(&self) -> (Vec<String>, bool) {
        match self {
            Poll::Local(p) => (p.options.clone(), p.multiple),
            Poll::Remote(p) => (p.options.iter().map(|(t, _)| t.clone()).collect(), p.multiple),
        }
    }

    /// Writes it for status `status` by `author`; returns its id.
    fn insert(&self, db: &impl Handle, status: i64, author: i64, now: i64) -> Result<i64, Error> {
        match self {
            Poll::Local(p) => p.insert(db, status, author, now),
            Poll::Remote(p) => {
                let options = p.options_json();
                store::polls::insert_remote(db, &remote_poll_row(p, &options, status, author), now)
            }
        }
    }
}

fn remote_poll_row<'a>(poll: &RemotePoll, options: &'a str, status: i64, author: i64) -> store::polls::NewPollRow<'a> {
    store::polls::NewPollRow {
        id: aerie_sdk::settings::next_id(),
        status_id: status,
        account_id: author,
        options,
        multiple: poll.multiple,
        votes_count: poll.votes_count() as i64,
        voters_count: poll.voters_count as i64,
        expires_at: poll.expires_at,
    }
}

/// Writes the mentions of status `status` by `author` and notifies the accounts
/// newly mentioned visibly.
fn mention(db: &impl Handle, status: i64, author: i64, mentioned: &[i64], silent: &[i64], now: i64) -> Result<Vec<Notice>, Error> {
    let mut notices = Vec::new();
    for account in store::mentions::set(db, status, mentioned, silent, now)? {
        notices.extend(notifications::create(db, account, author, notifications::MENTION, Some(status))?);
    }
    Ok(notices)
}

/// Writes the attachments of status `status` by `author`.
fn attach(db: &impl Handle, status: i64, author: i64, media: &Attachments, now: i64) -> Result<(), Refused> {
    match media {
        Attachments::Uploads(ids) => store::media::attach(db, status, author, ids)?.map_err(Refused::MediaNotFound),
        Attachments::Remote(media) => Ok(store::media::insert_remote(db, status, author, media, now)?),
    }
}
