//! Favourites: a local account's favourite (API) or a remote `Like` (inbox), and
//! their undoing. The row, the status's counter and the author's notification change
//! together.

use aerie_sdk::db::{self, Autocommit, Error, Transaction};
use aerie_sdk::{log, settings};

use super::{Origin, notify};
use crate::rows::StatusRow;
use crate::store::favourites::{self, Favourite};
use crate::store::notifications;
use crate::{convert, outbound};

/// What [`favourite`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Favourited {
    /// A new favourite (for a local one, federate it as a `Like` with its `uri`).
    Added(Favourite),
    /// The account had already favourited the status: nothing changed.
    Already,
}

/// `account` favourites `status`: the row, the counter and the author's notification,
/// once however often it is asked.
pub fn favourite(account: i64, status: &StatusRow, origin: &Origin) -> Result<Favourited, Error> {
    let now = settings::now_millis();
    let id = settings::next_id();
    let uri = match origin {
        Origin::Local => local_like_id(account, id)?,
        Origin::Remote { .. } => origin.remote_uri().map(str::to_string),
    };
    let favourite = Favourite { id, account_id: account, status_id: status.id, uri };
    let tx = db::begin()?;
    let mut notice = None;
    let added = favourites::insert(&tx, &favourite, now)?;
    if added {
        notice = notifications::create(&tx, status.account_id, account, notifications::FAVOURITE, Some(status.id))?;
    }
    tx.commit()?;
    notify::publish(notice);
    Ok(if added { Favourited::Added(favourite) } else { Favourited::Already })
}

/// The id of a local favourite's `Like` (`ACTOR#likes/ID`), kept so an `Undo` repeats
/// it exactly; `None` when the account or the instance settings cannot be read.
fn local_like_id(account: i64, id: i64) -> Result<Option<String>, Error> {
    let Some(account) = outbound::account(account)? else { return Ok(None) };
    let base = match outbound::instance() {
        Ok((base, _)) => base,
        Err(e) => {
            log::warn(&format!("federate: instance settings: {e}"));
            return Ok(None);
        }
    };
    Ok(Some(outbound::like_id(&convert::actor_uri(&account, &base), id)))
}

/// Local `account` unfavourites `status`: returns the favourite removed (to federate
/// its `Undo`), or `None` when there was none.
pub fn unfavourite(account: i64, status: i64) -> Result<Option<Favourite>, Error> {
    let tx = db::begin()?;
    let removed = favourites::delete(&tx, account, status)?;
    if removed.is_some() {
        notifications::withdraw(&tx, notifications::FAVOURITE, account, status)?;
    }
    tx.commit()?;
    Ok(removed)
}

/// Remote `account` undoes its `Like` with id `like_uri`, or of the status with URI
/// `status_uri` (either may be empty): returns whether it named any favourite.
pub fn undo_like(account: i64, like_uri: &str, status_uri: &str) -> Result<bool, Error> {
    let found = favourites::undone_by(&Autocommit, account, like_uri, status_uri)?;
    if found.is_empty() {
        return Ok(false);
    }
    let tx = db::begin()?;
    for favourite in &found {
        withdraw(&tx, favourite)?;
    }
    tx.commit()?;
    Ok(true)
}

fn withdraw(tx: &Transaction, favourite: &Favourite) -> Result<(), Error> {
    if favourites::delete_by_id(tx, favourite)? {
        notifications::withdraw(tx, notifications::FAVOURITE, favourite.account_id, favourite.status_id)?;
    }
    Ok(())
}
