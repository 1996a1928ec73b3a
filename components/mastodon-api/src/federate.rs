//! Local actions going out to other servers: called after the action's transaction
//! commits, each builds the activity ([`aerie_core::outbound`]) and queues it for the
//! remote inboxes that should hear of it. Only local senders deliver; local
//! recipients are never sent anything (they share the database). Nothing here fails
//! the request: a failure to build or queue an activity is logged.

use aerie_core::activitystreams::Activity;
use aerie_core::convert;
use aerie_core::outbound;
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_core::store::follows;
use aerie_sdk::db::Autocommit;
use aerie_sdk::log;

/// `scheme://web_domain` and the `acct:` domain, or `None` (logged) when unreadable.
fn instance() -> Option<(String, String)> {
    outbound::instance().map_err(|e| log::warn(&format!("federate: instance settings: {e}"))).ok()
}

fn load_account(id: i64) -> Option<AccountRow> {
    outbound::account(id).map_err(|e| log::warn(&format!("federate: account {id}: {e}"))).ok().flatten()
}

/// The local sender `id`, with the instance base; `None` when it is not local.
fn local_sender(id: i64) -> Option<(AccountRow, String, String)> {
    let account = load_account(id).filter(AccountRow::is_local)?;
    let (base, domain) = instance()?;
    Some((account, base, domain))
}

/// The remote account `id` (with an inbox), or `None` for local accounts.
fn remote(id: i64) -> Option<AccountRow> {
    load_account(id).filter(|a| !a.is_local() && a.uri.is_some())
}

/// `Create` of the new local status `row` to its followers and everyone it reaches.
pub fn status_created(row: &StatusRow) {
    outbound::status_created(row);
}

/// `Update` of an edited local status, also to accounts whose mention was edited away.
pub fn status_edited(row: &StatusRow) {
    let Some((author, base, domain)) = local_sender(row.account_id) else { return };
    let note = match outbound::note(row, &author, &base, &domain) {
        Ok(note) => note,
        Err(e) => return log::warn(&format!("federate: the note of status {}: {e}", row.id)),
    };
    let inboxes = outbound::status_audience(row, &outbound::mentioned_ids(row.id, true));
    let at = row.edited_at.unwrap_or(row.updated_at);
    outbound::send(author.id, &outbound::update_note(note, at), &inboxes);
}

/// `Delete` of a local status (a Tombstone) to the audience it had.
pub fn status_deleted(row: &StatusRow) {
    let Some((author, base, _)) = local_sender(row.account_id) else { return };
    let mentioned = outbound::mentioned_ids(row.id, true);
    let visible_mentions = outbound::mentioned_ids(row.id, false);
    let uris = outbound::actor_uris(&visible_mentions, &base);
    let mentioned_uris: Vec<String> = visible_mentions.iter().filter_map(|id| uris.get(id).cloned()).collect();
    let inboxes = outbound::status_audience(row, &mentioned);
    outbound::send(author.id, &outbound::delete_note(row, &author, &base, &mentioned_uris), &inboxes);
}

/// The `Announce` of local reblog `reblog` of `original`, or `None` when it cannot be built.
fn announce_of(reblog: &StatusRow, original: &StatusRow) -> Option<(AccountRow, Activity)> {
    let (booster, base, _) = local_sender(reblog.account_id)?;
    let original_author = load_account(original.account_id)?;
    let original_uri = original.uri.as_deref()?;
    let activity = outbound::announce(reblog, &booster, original_uri, &convert::actor_uri(&original_author, &base), &base);
    Some((booster, activity))
}

/// `Announce` of `original` to the booster's followers and the original's remote author.
pub fn reblogged(reblog: &StatusRow, original: &StatusRow) {
    let Some((booster, announce)) = announce_of(reblog, original) else { return };
    outbound::send(booster.id, &announce, &outbound::status_audience(reblog, &[]));
}

/// `Undo` of each `Announce` in `reblogs` (rows of the removed reblogs of `original`).
pub fn unreblogged(reblogs: &[StatusRow], original: &StatusRow) {
    for reblog in reblogs {
        let Some((booster, announce)) = announce_of(reblog, original) else { continue };
        outbound::send(booster.id, &outbound::undo(announce), &outbound::status_audience(reblog, &[]));
    }
}

/// `Like` (or its `Undo`) of `status` by local `viewer` to the status's remote author.
pub fn liked(viewer: i64, status: &StatusRow, like_uri: Option<&str>, favourite_id: i64, undo: bool) {
    let Some(author) = remote(status.account_id) else { return };
    let Some(status_uri) = status.uri.as_deref() else { return };
    let Some((account, base, _)) = local_sender(viewer) else { return };
    let actor = convert::actor_uri(&account, &base);
    let id = like_uri.map(str::to_string).unwrap_or_else(|| outbound::like_id(&actor, favourite_id));
    let like = outbound::like(&id, &actor, status_uri);
    let activity = if undo { outbound::undo(like) } else { like };
    outbound::send(account.id, &activity, &outbound::inbox_of(&author));
}

/// The stored id of `follower`'s Follow of `target` (a follow or a request) and the
/// row's id, read before the rows go.
pub fn follow_uri(follower: i64, target: i64) -> Option<(i64, Option<String>)> {
    follows::follow_or_request(&Autocommit, follower, target).ok()?
}

/// `Follow` of remote `target` by local `follower`, id `follow_uri`.
pub fn followed(follower: i64, target: &AccountRow, follow_uri: &str) {
    let Some(target_uri) = target.uri.as_deref().filter(|_| !target.is_local()) else { return };
    let Some((account, base, _)) = local_sender(follower) else { return };
    let follow = outbound::follow(follow_uri, &convert::actor_uri(&account, &base), target_uri);
    outbound::send(account.id, &follow, &outbound::inbox_of(target));
}

/// `Undo(Follow)` of local `follower`'s follow (or request) of remote `target`;
/// `existing` is what [`follow_uri`] read before the rows were removed.
pub fn unfollowed(follower: i64, target: &AccountRow, existing: Option<(i64, Option<String>)>) {
    let Some((row_id, uri)) = existing else { return };
    let Some(target_uri) = target.uri.as_deref().filter(|_| !target.is_local()) else { return };
    let Some((account, base, _)) = local_sender(follower) else { return };
    let actor = convert::actor_uri(&account, &base);
    let id = uri.unwrap_or_else(|| outbound::follow_id(&actor, row_id));
    outbound::send(account.id, &outbound::undo(outbound::follow(&id, &actor, target_uri)), &outbound::inbox_of(target));
}

/// `Accept` (or `Reject`) by local `followed` of remote `follower`'s Follow
/// `follow_uri` (kept in the request or follow row `row_id`).
pub fn answer_follow(followed: i64, follower: &AccountRow, row_id: i64, follow_uri: Option<&str>, accept: bool) {
    let Some(follower_uri) = follower.uri.as_deref().filter(|_| !follower.is_local()) else { return };
    let Some((account, base, _)) = local_sender(followed) else { return };
    let actor = convert::actor_uri(&account, &base);
    // A follow without a stored id (made before federation kept them) gets one in
    // the follower's name; Mastodon matches an embedded Follow by actor and object.
    let follow_uri = follow_uri.map(str::to_string).unwrap_or_else(|| outbound::follow_id(follower_uri, row_id));
    let activity = if accept {
        outbound::accept_follow(row_id, &follow_uri, follower_uri, &actor)
    } else {
        outbound::reject_follow(row_id, &follow_uri, follower_uri, &actor)
    };
    outbound::send(account.id, &activity, &outbound::inbox_of(follower));
}

/// The id a new block's `Block` gets (stored in `blocks.uri`).
pub fn block_id(viewer: &AccountRow, base: &str, block_row: i64) -> String {
    outbound::block_id(&convert::actor_uri(viewer, base), block_row)
}

/// `Block` (or its `Undo`) of remote `target` by local `viewer`, id `block_uri`.
pub fn blocked(viewer: i64, target: &AccountRow, block_uri: &str, undo: bool) {
    let Some(target_uri) = target.uri.as_deref().filter(|_| !target.is_local()) else { return };
    let Some((account, base, _)) = local_sender(viewer) else { return };
    let block = outbound::block(block_uri, &convert::actor_uri(&account, &base), target_uri);
    let activity = if undo { outbound::undo(block) } else { block };
    outbound::send(account.id, &activity, &outbound::inbox_of(target));
}

/// `Update` of local `account`'s actor to its remote followers.
pub fn profile_updated(account_id: i64) {
    let Some((account, base, _)) = local_sender(account_id) else { return };
    let actor = match outbound::actor(&account, &base) {
        Ok(actor) => actor,
        Err(e) => return log::warn(&format!("federate: the actor of {account_id}: {e}")),
    };
    let at = account.updated_at.max(aerie_sdk::settings::now_millis());
    outbound::send(account.id, &outbound::update_actor(actor, at), &outbound::followers_inboxes(account.id));
}

/// The ids (`poll_votes.uri`) of `voter`'s votes, by vote row id, when the poll's
/// status is remote (local polls need no activity).
pub fn vote_ids(voter: i64, poll_status: &StatusRow, vote_rows: &[i64]) -> Vec<Option<String>> {
    let remote_poll = remote(poll_status.account_id).is_some();
    let sender = local_sender(voter).filter(|_| remote_poll);
    vote_rows
        .iter()
        .map(|row| sender.as_ref().map(|(account, base, _)| outbound::vote_id(&convert::actor_uri(account, base), *row)))
        .collect()
}

/// One `Create(Note)` per chosen option (`(vote id, option title)`) to the remote
/// author of the poll.
pub fn voted(voter: i64, poll_status: &StatusRow, votes: &[(String, String)]) {
    let Some(author) = remote(poll_status.account_id) else { return };
    let (Some(status_uri), Some(author_uri)) = (poll_status.uri.as_deref(), author.uri.as_deref()) else { return };
    let Some((account, base, _)) = local_sender(voter) else { return };
    let actor = convert::actor_uri(&account, &base);
    for (id, option) in votes {
        outbound::send(account.id, &outbound::poll_vote(id, &actor, status_uri, author_uri, option), &outbound::inbox_of(&author));
    }
}

/// The instance base (`scheme://web_domain`), for ids made inside a transaction.
pub fn base() -> Option<String> {
    instance().map(|(base, _)| base)
}
