//! Follows: a local account's follow, unfollow, authorization or rejection (API) and
//! a remote `Follow`, `Accept`, `Reject` or `Undo` (inbox). The follow and request
//! rows, both accounts' counters and the followed account's notifications change
//! together.

use aerie_sdk::db::{self, Autocommit, Error};
use aerie_sdk::{log, settings};

use super::{Origin, notify};
use crate::rows::AccountRow;
use crate::store::follows::{self, Request};
use crate::store::notifications;
use crate::{convert, outbound};

/// How a follow is kept: the follower's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Show the followed account's boosts in the home timeline.
    pub show_reblogs: bool,
    /// Notify the follower of the followed account's posts.
    pub notify: bool,
}

impl Default for Options {
    /// A follow's defaults (a remote `Follow` carries no options).
    fn default() -> Self {
        Options { show_reblogs: true, notify: false }
    }
}

/// What [`follow`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// The follower follows the target: a new follow (`new`) or an existing one
    /// (its options updated, for a local origin). `id` is the follow row's id, which
    /// the inbox's `Accept` names.
    Following { id: i64, new: bool },
    /// A request is pending. For a local follower of a remote account, `send` is the
    /// id of the `Follow` to federate (a new request, or a pending one that had no
    /// stored id); `None` when there is nothing to send.
    Requested { send: Option<String> },
}

/// A follow or pending request as it was before it ended: the row's id and the
/// stored `Follow` id, from which the API federates the `Undo` or `Reject`.
pub type Ended = (i64, Option<String>);

/// `follower` follows `target` (already checked: not blocked, not suspended). A
/// locked account, or for a local follower a remote one, gets a request (a remote
/// one is accepted when its `Accept` arrives); others are followed at once. The
/// target is notified of a new follow or request, once.
pub fn follow(follower: i64, target: &AccountRow, options: Options, origin: &Origin) -> Result<Followed, Error> {
    match origin {
        Origin::Local => follow_local(follower, target, options),
        Origin::Remote { uri } => follow_remote(follower, target, uri),
    }
}

fn follow_local(follower: i64, target: &AccountRow, options: Options) -> Result<Followed, Error> {
    let id = target.id;
    // A remote account is followed when its Accept arrives: until then, a request
    // whose uri is the id of the Follow sent.
    let request_id = settings::next_id();
    let sender = if target.is_local() { None } else { local_sender(follower)? };
    let follow_uri = sender.as_ref().map(|actor| outbound::follow_id(actor, request_id));
    let tx = db::begin()?;
    let mut notice = None;
    let already_following = follows::exists(&tx, follower, id)?;
    let needs_request = target.locked || !target.is_local();
    let outcome = if already_following || !needs_request {
        let new = follows::create(&tx, follower, id, options.show_reblogs, options.notify)?;
        if new {
            notice = notifications::create(&tx, id, follower, notifications::FOLLOW, None)?;
        }
        Followed::Following { id: follows::id_of(&tx, follower, id)?.unwrap_or_default(), new }
    } else {
        let pending = follows::request(&tx, follower, id)?.map(|r| (r.id, r.uri));
        let request = Request {
            id: request_id,
            follower,
            target: id,
            show_reblogs: options.show_reblogs,
            notify: options.notify,
            uri: follow_uri.clone(),
        };
        follows::insert_request(&tx, &request, settings::now_millis(), true)?;
        let added = pending.is_none();
        let mut send = None;
        if !target.is_local() {
            // A new request sends its Follow; a pending one without a stored id (made
            // before federation) gets one now and is sent again.
            match pending {
                None => send = follow_uri.clone(),
                Some((pending_id, None)) => {
                    if let Some(actor) = sender.as_deref() {
                        let uri = outbound::follow_id(actor, pending_id);
                        follows::set_request_uri(&tx, pending_id, &uri)?;
                        send = Some(uri);
                    }
                }
                Some(_) => {}
            }
        }
        if added && target.locked && target.is_local() && !notifications::exists(&tx, id, follower, notifications::FOLLOW_REQUEST)? {
            notice = notifications::create(&tx, id, follower, notifications::FOLLOW_REQUEST, None)?;
        }
        Followed::Requested { send }
    };
    tx.commit()?;
    notify::publish(notice);
    Ok(outcome)
}

/// The actor URI of local `account`, for the ids of its activities; `None` when the
/// account or the instance settings cannot be read.
fn local_sender(account: i64) -> Result<Option<String>, Error> {
    let Some(account) = outbound::account(account)? else { return Ok(None) };
    let base = match outbound::instance() {
        Ok((base, _)) => base,
        Err(e) => {
            log::warn(&format!("federate: instance settings: {e}"));
            return Ok(None);
        }
    };
    Ok(Some(convert::actor_uri(&account, &base)))
}

fn follow_remote(follower: i64, target: &AccountRow, uri: &str) -> Result<Followed, Error> {
    let target_id = target.id;
    // A repeated Follow keeps its new id, which a later Undo names.
    if let Some(follow_id) = follows::id_of(&Autocommit, follower, target_id)? {
        if !uri.is_empty() {
            follows::set_uri(&Autocommit, follower, target_id, Some(uri), false)?;
        }
        return Ok(Followed::Following { id: follow_id, new: false });
    }
    if target.locked {
        if follows::request(&Autocommit, follower, target_id)?.is_some() {
            follows::set_request_uri_of(&Autocommit, follower, target_id, uri)?;
            return Ok(Followed::Requested { send: None });
        }
        let tx = db::begin()?;
        let options = Options::default();
        let request = Request {
            id: settings::next_id(),
            follower,
            target: target_id,
            show_reblogs: options.show_reblogs,
            notify: options.notify,
            uri: Some(uri.to_string()),
        };
        follows::insert_request(&tx, &request, settings::now_millis(), false)?;
        let notice = notifications::create(&tx, target_id, follower, notifications::FOLLOW_REQUEST, None)?;
        tx.commit()?;
        notify::publish(notice);
        return Ok(Followed::Requested { send: None });
    }
    let tx = db::begin()?;
    let options = Options::default();
    let new = follows::create(&tx, follower, target_id, options.show_reblogs, options.notify)?;
    if !uri.is_empty() {
        follows::set_uri(&tx, follower, target_id, Some(uri), false)?;
    }
    follows::delete_request(&tx, follower, target_id)?;
    let notice = if new { notifications::create(&tx, target_id, follower, notifications::FOLLOW, None)? } else { None };
    let follow_id = follows::id_of(&tx, follower, target_id)?;
    tx.commit()?;
    notify::publish(notice);
    Ok(Followed::Following { id: follow_id.unwrap_or_else(settings::next_id), new })
}

/// `follower` ends its follow of `target`, or its pending request: returns what
/// ended (for a local follower, to federate its `Undo`), or `None`. A remote `Undo`
/// also withdraws the follow and follow request notifications it had caused.
pub fn unfollow(follower: i64, target: i64, origin: &Origin) -> Result<Option<Ended>, Error> {
    let tx = db::begin()?;
    let existing = follows::follow_or_request(&tx, follower, target)?;
    follows::remove(&tx, follower, target)?;
    if let Origin::Remote { .. } = origin {
        notifications::withdraw_from(&tx, target, follower, &[notifications::FOLLOW, notifications::FOLLOW_REQUEST])?;
    }
    tx.commit()?;
    Ok(existing)
}

/// `target` accepts `follower`'s pending request: the follow is made with the
/// request's options and keeps the request's `Follow` id. Returns the request
/// accepted (for a local target, to federate the `Accept`), or `None` when none was
/// pending. A local target's follow request notification becomes a follow one.
pub fn accept(follower: i64, target: i64, origin: &Origin) -> Result<Option<Request>, Error> {
    let tx = db::begin()?;
    let Some(request) = follows::take_request(&tx, follower, target)? else { return Ok(None) };
    let mut notice = None;
    let new = follows::create(&tx, follower, target, request.show_reblogs, request.notify)?;
    match origin {
        Origin::Local => {
            if new {
                // The follow keeps the Follow's id, which a later Reject names.
                follows::set_uri(&tx, follower, target, request.uri.as_deref(), true)?;
                notifications::withdraw_from(&tx, target, follower, &[notifications::FOLLOW_REQUEST])?;
                notice = notifications::create(&tx, target, follower, notifications::FOLLOW, None)?;
            }
        }
        Origin::Remote { .. } => {
            if let Some(uri) = request.uri.as_deref() {
                follows::set_uri(&tx, follower, target, Some(uri), false)?;
            }
        }
    }
    tx.commit()?;
    notify::publish(notice);
    Ok(Some(request))
}

/// Local `target` rejects `follower`'s pending request and its notification goes:
/// returns the request (to federate the `Reject`), or `None` when none was pending.
pub fn reject(follower: i64, target: i64) -> Result<Option<Request>, Error> {
    let tx = db::begin()?;
    let Some(request) = follows::take_request(&tx, follower, target)? else { return Ok(None) };
    notifications::withdraw_from(&tx, target, follower, &[notifications::FOLLOW_REQUEST])?;
    tx.commit()?;
    Ok(Some(request))
}

/// `target` ends the follows (and pending requests) of `followers`: a local account
/// removing a follower (API), or a remote one rejecting or undoing its acceptance of
/// local follows (inbox). Returns, per follower, what ended (for a local target, to
/// federate the `Reject`), or `None`.
pub fn remove_followers(target: i64, followers: &[i64]) -> Result<Vec<Option<Ended>>, Error> {
    let tx = db::begin()?;
    let mut ended = Vec::with_capacity(followers.len());
    for &follower in followers {
        ended.push(follows::follow_or_request(&tx, follower, target)?);
        follows::remove(&tx, follower, target)?;
    }
    tx.commit()?;
    Ok(ended)
}
