//! Announcements as users see them: reading (dismissing) one and reacting to it with
//! an emoji. The operator publishes and removes them from the command line.
//!
//! The rules Mastodon checks are here: an announcement that is not shown does not
//! exist, a reaction is an emoji the instance knows (only unicode ones: it has no
//! custom emoji) and one account adds at most [`MAX_REACTIONS`] different ones.

use aerie_sdk::db::{Autocommit, Error};
use aerie_sdk::settings;

use crate::emoji::is_unicode_emoji;
use crate::store::announcements;

/// How many different reactions one account may add to one announcement (Mastodon's
/// `ReactionValidator::LIMIT`).
pub const MAX_REACTIONS: usize = 8;

/// Why a change was refused; the API answers 404 or 422 with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such announcement shown now, or no such reaction of the account's.
    NotFound,
    /// A validation failed, in Mastodon's words.
    Invalid(&'static str),
}

/// What a refused change returns alongside database errors.
pub type Outcome = Result<Result<(), Refusal>, Error>;

fn shown(id: i64, now: i64) -> Result<bool, Error> {
    Ok(announcements::shown_by_id(&Autocommit, id, now)?.is_some())
}

/// `account` has read announcement `id`.
pub fn dismiss(account: i64, id: i64) -> Outcome {
    let now = settings::now_millis();
    if !shown(id, now)? {
        return Ok(Err(Refusal::NotFound));
    }
    announcements::mark_read(&Autocommit, id, account, now)?;
    Ok(Ok(()))
}

/// `account` reacts to announcement `id` with `name`.
pub fn react(account: i64, id: i64, name: &str) -> Outcome {
    let now = settings::now_millis();
    if !shown(id, now)? {
        return Ok(Err(Refusal::NotFound));
    }
    if !is_unicode_emoji(name) {
        return Ok(Err(Refusal::Invalid("Name is not a recognized emoji")));
    }
    let mine = announcements::names_of(&Autocommit, id, account)?;
    if !mine.iter().any(|n| n == name) && mine.len() >= MAX_REACTIONS {
        return Ok(Err(Refusal::Invalid("You cannot add more reactions")));
    }
    announcements::add_reaction(&Autocommit, id, account, name, now)?;
    Ok(Ok(()))
}

/// `account` takes back its reaction `name` to announcement `id`.
pub fn unreact(account: i64, id: i64, name: &str) -> Outcome {
    if !shown(id, settings::now_millis())? || !announcements::remove_reaction(&Autocommit, id, account, name)? {
        return Ok(Err(Refusal::NotFound));
    }
    Ok(Ok(()))
}
