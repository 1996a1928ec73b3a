//! What local actions send to other servers: who receives them (inboxes of remote
//! accounts, never local ones: those share the database) and the activities
//! themselves, shaped and named as Mastodon names them so the receiving side can
//! match an `Undo` with what it undoes.
//!
//! Activity ids (all dereferenceable-looking, unique):
//! - `Create`: `{status uri}/activity`; `Update` of a Note: `{status uri}#updates/{millis}`;
//!   `Delete`: `{status uri}#delete`; `Announce`: the reblog row's `uri`.
//! - `Follow`: `{actor}#follows/{row id}`, `Like`: `{actor}#likes/{row id}`,
//!   `Block`: `{actor}#blocks/{row id}`, kept in the row's `uri` so an `Undo` repeats
//!   the activity exactly; `Undo`: `{inner id}/undo`.
//! - `Accept`/`Reject` of a Follow: `{actor}#accepts/follows/{id}`, `{actor}#rejects/follows/{id}`.
//! - `Update` of an actor: `{actor}#updates/{millis}`.
//!
//! Builders are pure (tested natively); the audience functions and [`send`] use the
//! host. Delivery is best effort from the caller's point of view: [`send`] logs a
//! failure and never fails the request that caused it.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::activitystreams::{self as as2, Activity, Actor, Note, Object};
use crate::contract::uris;
use crate::convert::{self, ActorParts, NoteParts, NotePoll};
use crate::rows::{AccountRow, StatusRow};
use crate::store;
use crate::store::polls::Tally;
use aerie_sdk::db;

// ---------------------------------------------------------------------------
// Builders (pure)
// ---------------------------------------------------------------------------

/// A bare activity: id, type, actor, object; no addressing.
fn activity(id: String, kind: &str, actor: &str, object: Object) -> Activity {
    Activity { context: None, id, kind: kind.into(), actor: actor.to_string(), object: Some(object), ..Activity::default() }
}

/// The id of a `Follow` sent by `actor` for the follow (request) row `row_id`.
pub fn follow_id(actor: &str, row_id: i64) -> String {
    uris::follow_activity(actor, row_id)
}

/// The id of a `Like` by `actor` for the favourite row `row_id`.
pub fn like_id(actor: &str, row_id: i64) -> String {
    uris::like_activity(actor, row_id)
}

/// The id of a `Block` by `actor` for the block row `row_id`.
pub fn block_id(actor: &str, row_id: i64) -> String {
    uris::block_activity(actor, row_id)
}

/// `Follow` of actor `object` by `actor`, with id `id` (see [`follow_id`]).
pub fn follow(id: &str, actor: &str, object: &str) -> Activity {
    activity(id.to_string(), "Follow", actor, Object::Link(object.to_string()))
}

/// `Like` of the status `object` by `actor`, with id `id` (see [`like_id`]).
pub fn like(id: &str, actor: &str, object: &str) -> Activity {
    activity(id.to_string(), "Like", actor, Object::Link(object.to_string()))
}

/// `Block` of actor `object` by `actor`, with id `id` (see [`block_id`]).
pub fn block(id: &str, actor: &str, object: &str) -> Activity {
    activity(id.to_string(), "Block", actor, Object::Link(object.to_string()))
}

/// `Undo` of `inner` (sent by the same actor): id `{inner id}/undo`, the same
/// addressing, the inner activity embedded as it was sent.
pub fn undo(inner: Activity) -> Activity {
    let mut inner = inner;
    inner.context = None;
    Activity {
        context: None,
        id: uris::undo_activity(&inner.id),
        kind: "Undo".into(),
        actor: inner.actor.clone(),
        published: None,
        to: inner.to.clone(),
        cc: inner.cc.clone(),
        object: Some(Object::Activity(Box::new(inner))),
        target: None,
        content: None,
    }
}

/// The `Announce` of a reblog: see [`convert::reblog_to_announce`].
pub fn announce(reblog: &StatusRow, booster: &AccountRow, original_uri: &str, original_author: &str, base: &str) -> Activity {
    convert::reblog_to_announce(reblog, booster, original_uri, original_author, base)
}

/// The `Follow` someone sent, as an `Accept` or `Reject` embeds it: its original
/// id, the follower as actor and the followed local actor as object.
fn received_follow(follow_uri: &str, follower: &str, followed: &str) -> Activity {
    follow(follow_uri, follower, followed)
}

/// `Accept` by the followed local actor `followed` of the `Follow` `follow_uri` sent by
/// `follower`; `row_id` names the accept (the follow or request row).
pub fn accept_follow(row_id: i64, follow_uri: &str, follower: &str, followed: &str) -> Activity {
    let mut accept = activity(
        uris::accept_activity(followed, row_id),
        "Accept",
        followed,
        Object::Activity(Box::new(received_follow(follow_uri, follower, followed))),
    );
    accept.to = vec![follower.to_string()];
    accept
}

/// `Reject` of a received `Follow`, as [`accept_follow`] (also ends an accepted follow:
/// Mastodon's "remove from followers").
pub fn reject_follow(row_id: i64, follow_uri: &str, follower: &str, followed: &str) -> Activity {
    let mut reject = activity(
        uris::reject_activity(followed, row_id),
        "Reject",
        followed,
        Object::Activity(Box::new(received_follow(follow_uri, follower, followed))),
    );
    reject.to = vec![follower.to_string()];
    reject
}

/// The id of `voter`'s vote (the `poll_votes` row `row_id`), as a Note.
pub fn vote_id(voter: &str, row_id: i64) -> String {
    uris::vote_activity(voter, row_id)
}

/// `Create` of a vote on a remote poll: a Note named after the chosen option, in
/// reply to the poll's status, addressed to its author only (Mastodon's shape).
pub fn poll_vote(id: &str, voter: &str, poll_status: &str, poll_author: &str, option: &str) -> Activity {
    let note = Note {
        id: id.to_string(),
        kind: "Note".into(),
        name: Some(option.to_string()),
        attributed_to: voter.to_string(),
        to: vec![poll_author.to_string()],
        in_reply_to: Some(poll_status.to_string()),
        ..Note::default()
    };
    Activity {
        context: None,
        id: uris::status_activity(id),
        kind: "Create".into(),
        actor: voter.to_string(),
        published: None,
        to: vec![poll_author.to_string()],
        cc: Vec::new(),
        object: Some(Object::Note(Box::new(note))),
        target: None,
        content: None,
    }
}

/// `Create` of `note`: see [`convert::note_to_create`].
pub fn create_note(note: Note) -> Activity {
    convert::note_to_create(note)
}

/// `Update` of an edited `note` (`at`: when, in milliseconds, which makes the id
/// unique per edit), addressed as the note is.
pub fn update_note(note: Note, at: i64) -> Activity {
    Activity {
        context: None,
        id: uris::update_activity(&note.id, at),
        kind: "Update".into(),
        actor: note.attributed_to.clone(),
        published: note.updated.clone(),
        to: note.to.clone(),
        cc: note.cc.clone(),
        object: Some(Object::Note(Box::new(note))),
        target: None,
        content: None,
    }
}

/// `Delete` of the status `row` by `author`: a `Tombstone` with the status's id,
/// addressed as the status was (`mentioned`: the actor URIs it mentioned).
pub fn delete_note(row: &StatusRow, author: &AccountRow, base: &str, mentioned: &[String]) -> Activity {
    let uri = row.uri.clone().unwrap_or_default();
    let (to, cc) = convert::addressing(&row.visibility, &convert::followers_uri(author, base), mentioned);
    let tombstone = serde_json::json!({ "id": uri, "type": "Tombstone", "atomUri": uri });
    Activity {
        context: None,
        id: uris::delete_activity(&uri),
        kind: "Delete".into(),
        actor: convert::actor_uri(author, base),
        published: None,
        to,
        cc,
        object: Some(Object::Other(tombstone)),
        target: None,
        content: None,
    }
}

/// `Update` of a local actor (`actor` as [`convert::account_to_actor`] renders it),
/// public, with an id unique per change (`at` in milliseconds).
pub fn update_actor(actor: Actor, at: i64) -> Activity {
    let mut actor = actor;
    actor.context = None;
    Activity {
        context: None,
        id: uris::update_activity(&actor.id, at),
        kind: "Update".into(),
        actor: actor.id.clone(),
        published: None,
        to: vec![as2::PUBLIC.to_string()],
        cc: actor.followers.clone().into_iter().collect(),
        object: Some(Object::Actor(Box::new(actor))),
        target: None,
        content: None,
    }
}

/// `Flag`: a report forwarded to the reported account's server, as Mastodon sends it:
/// by the instance actor `actor` (so the reporter stays anonymous there), with id
/// `id` (the report's URI), the reported actor `target` and the reported `statuses`
/// as `object`, the reporter's comment as `content`.
pub fn flag(id: &str, actor: &str, target: &str, statuses: &[String], comment: &str) -> Json {
    let mut object = vec![Json::String(target.to_string())];
    object.extend(statuses.iter().cloned().map(Json::String));
    serde_json::json!({
        "@context": as2::AS_CONTEXT,
        "id": id,
        "type": "Flag",
        "actor": actor,
        "content": comment,
        "object": object,
        "to": [target],
    })
}

/// `activity` as the JSON document to POST, with the `@context` its type needs:
/// the status context for activities carrying a Note, the actor context for actors,
/// plain ActivityStreams otherwise.
pub fn document(activity: &Activity) -> Json {
    let context = match &activity.object {
        Some(Object::Note(_)) => as2::note_context(),
        Some(Object::Actor(_)) => as2::actor_context(),
        Some(Object::Activity(inner)) if matches!(inner.object, Some(Object::Note(_))) => as2::note_context(),
        _ => as2::plain_context(),
    };
    let mut json = serde_json::to_value(activity).unwrap_or(Json::Null);
    if let Json::Object(map) = &mut json {
        let mut with_context = serde_json::Map::new();
        with_context.insert("@context".into(), context);
        with_context.extend(std::mem::take(map));
        *map = with_context;
    }
    json
}

/// Which accounts a status reaches beyond its author's followers, by Mastodon's rules
/// (`StatusReachFinder`): everyone mentioned (silently or not), the author of the
/// parent when the status is public or unlisted, the author of a reblogged status,
/// and, for public or unlisted statuses, whoever reblogged, favourited or replied to
/// it (`interacted`). Whether followers are reached is [`reaches_followers`].
pub fn reached_accounts(status: &StatusRow, mentioned: &[i64], reblog_of_author: Option<i64>, interacted: &[i64]) -> Vec<i64> {
    let distributable = matches!(status.visibility.as_str(), "public" | "unlisted");
    let mut out: Vec<i64> = mentioned.to_vec();
    out.extend(status.in_reply_to_account_id.filter(|_| distributable));
    out.extend(reblog_of_author);
    if distributable {
        out.extend_from_slice(interacted);
    }
    out.retain(|id| *id != status.account_id);
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether a status goes to its author's followers: all but direct messages.
pub fn reaches_followers(status: &StatusRow) -> bool {
    matches!(status.visibility.as_str(), "public" | "unlisted" | "private")
}

// ---------------------------------------------------------------------------
// Audiences (database)
// ---------------------------------------------------------------------------

fn inbox_list(read: Result<Vec<String>, db::Error>) -> Vec<String> {
    match read {
        Ok(rows) => {
            let mut out: Vec<String> = rows.into_iter().filter(|i| !i.is_empty()).collect();
            out.sort();
            out.dedup();
            out
        }
        Err(e) => {
            aerie_sdk::log::warn(&format!("outbound: reading inboxes failed: {e}"));
            Vec::new()
        }
    }
}

/// The inboxes (shared ones first) of `account_id`'s remote followers.
pub fn followers_inboxes(account_id: i64) -> Vec<String> {
    inbox_list(store::follows::remote_follower_inboxes(&db::Autocommit, account_id))
}

/// The inboxes (shared ones first) of those of `account_ids` that are remote.
pub fn inboxes_of(account_ids: &[i64]) -> Vec<String> {
    if account_ids.is_empty() {
        return Vec::new();
    }
    inbox_list(store::accounts::remote_inboxes(&db::Autocommit, account_ids))
}

/// The personal inbox of one remote account (its shared one when it has no other;
/// nothing for local accounts and remote ones without an inbox): for activities meant
/// for that actor only (Follow, Like, Block, Accept...), as Mastodon sends them.
pub fn inbox_of(account: &AccountRow) -> Vec<String> {
    if account.is_local() {
        return Vec::new();
    }
    account
        .inbox_url
        .clone()
        .filter(|i| !i.is_empty())
        .or_else(|| account.shared_inbox_url.clone())
        .filter(|i| !i.is_empty())
        .into_iter()
        .collect()
}

/// The accounts a status mentions; `silent` ones too when asked (edits and deletes
/// still reach accounts whose mention was edited away).
pub fn mentioned_ids(status_id: i64, with_silent: bool) -> Vec<i64> {
    store::mentions::account_ids_of(&db::Autocommit, status_id, with_silent).unwrap_or_default()
}

/// Who reblogged, favourited or replied to a status (for edits and deletes).
fn interacted_ids(status_id: i64) -> Vec<i64> {
    store::statuses::interacted_account_ids(&db::Autocommit, status_id).unwrap_or_default()
}

/// The inboxes a status (or reblog) by a local author goes to: its followers' unless
/// it is direct, plus the remote accounts of [`reached_accounts`]. `mentions` are the
/// mentioned account ids (see [`mentioned_ids`]).
pub fn status_audience(status: &StatusRow, mentions: &[i64]) -> Vec<String> {
    let reblog_of_author = status.reblog_of_id.and_then(|id| store::statuses::author_of(&db::Autocommit, id).ok()?);
    let interacted = if status.reblog_of_id.is_none() && matches!(status.visibility.as_str(), "public" | "unlisted") {
        interacted_ids(status.id)
    } else {
        Vec::new()
    };
    let mut inboxes = if reaches_followers(status) { followers_inboxes(status.account_id) } else { Vec::new() };
    inboxes.extend(inboxes_of(&reached_accounts(status, mentions, reblog_of_author, &interacted)));
    inboxes.sort();
    inboxes.dedup();
    inboxes
}

// ---------------------------------------------------------------------------
// Documents of local objects (database)
// ---------------------------------------------------------------------------

/// The instance's identity for building URIs: `(base, domain)` from
/// `instance_settings` (`scheme://web_domain` and the `acct:` domain).
pub fn instance() -> Result<(String, String), db::Error> {
    let settings = store::instance::settings(&db::Autocommit)?;
    let domain = settings.domain_or_localhost();
    Ok((settings.base(&domain), domain))
}

/// One account by id (deleted ones too).
pub fn account(id: i64) -> Result<Option<AccountRow>, db::Error> {
    store::accounts::by_id(&db::Autocommit, id)
}

/// The Note of the local status `row` by `author`, with its mentions, hashtags,
/// parent, conversation and poll, as the activitypub component renders it.
pub fn note(row: &StatusRow, author: &AccountRow, base: &str, domain: &str) -> Result<Note, db::Error> {
    let mentioned = store::mentions::accounts_in_order(&db::Autocommit, row.id)?;
    let tags = store::tags::display_names_of(&db::Autocommit, row.id)?;
    let parent = match row.in_reply_to_id {
        None => None,
        Some(parent) => store::statuses::uri_of(&db::Autocommit, parent)?,
    };
    let conversation = match row.conversation_id {
        None => None,
        Some(cid) => store::conversations::by_id(&db::Autocommit, cid)?
            .map(|(uri, created_at)| uri.unwrap_or_else(|| convert::conversation_uri(domain, cid, created_at))),
    };
    let poll = match row.poll_id {
        None => None,
        Some(pid) => poll(pid)?,
    };
    let attachments: Vec<as2::Attachment> = crate::media::for_statuses(&[row.id])?
        .remove(&row.id)
        .unwrap_or_default()
        .iter()
        .map(|m| crate::media::media_to_attachment(m, base))
        .collect();
    let parts = NoteParts {
        mentioned: &mentioned,
        tags: &tags,
        in_reply_to: parent.as_deref(),
        conversation: conversation.as_deref(),
        poll: poll.as_ref(),
        attachments: &attachments,
        ..NoteParts::new(base, domain, author)
    };
    let mut note = convert::status_to_note(row, &parts);
    note.tag.extend(crate::custom_emoji::local_tags(&db::Autocommit, &[&row.spoiler_text, &row.content_html], base)?);
    Ok(note)
}

/// A local poll with its tallies.
fn poll(poll_id: i64) -> Result<Option<NotePoll>, db::Error> {
    let Some(row) = store::polls::by_id(&db::Autocommit, poll_id)? else { return Ok(None) };
    let options: Vec<Json> = serde_json::from_str(&row.options).unwrap_or_default();
    let expires_at = row.expires_at;
    let mut poll = NotePoll {
        options: options.iter().map(|o| (o.get("title").and_then(|t| t.as_str()).unwrap_or("").to_string(), 0)).collect(),
        multiple: row.multiple,
        expires_at,
        voters_count: 0,
        closed: expires_at.is_some_and(|at| at <= aerie_sdk::settings::now_millis()),
    };
    for tally in store::polls::tally(&db::Autocommit, poll_id)? {
        match tally {
            Tally::Votes { choice, n } => {
                if let Some(option) = usize::try_from(choice).ok().and_then(|c| poll.options.get_mut(c)) {
                    option.1 = n;
                }
            }
            Tally::Voters(n) => poll.voters_count = n,
        }
    }
    Ok(Some(poll))
}

/// The actor document of local account `account`, as the activitypub component serves it.
pub fn actor(account: &AccountRow, base: &str) -> Result<Actor, db::Error> {
    let (also_known_as, moved_to) = store::accounts::actor_links(&db::Autocommit, account.id)?;
    let parts = ActorParts { base, also_known_as, moved_to };
    Ok(convert::account_to_actor(account, &parts))
}

/// The actor URIs of `account_ids`, by id.
pub fn actor_uris(account_ids: &[i64], base: &str) -> HashMap<i64, String> {
    if account_ids.is_empty() {
        return HashMap::new();
    }
    store::accounts::by_ids(&db::Autocommit, account_ids)
        .map(|rows| rows.iter().map(|a| (a.id, convert::actor_uri(a, base))).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Delivery
// ---------------------------------------------------------------------------

/// Queues `activity` from local account `sender` to `inboxes` (none: nothing
/// happens). A failure is logged, never returned: the local action already happened.
pub fn send(sender: i64, activity: &Activity, inboxes: &[String]) {
    if inboxes.is_empty() {
        return;
    }
    if let Err(e) = aerie_sdk::federation::deliver(Some(sender), &document(activity), inboxes) {
        aerie_sdk::log::warn(&format!("outbound: delivering {} {} to {} inbox(es) failed: {e}", activity.kind, activity.id, inboxes.len()));
    }
}

/// `Create` of the new local status `row` to its author's followers and everyone it
/// reaches (the client API after a post, the `scheduled-status` job after its post).
/// Best effort: a failure is logged.
pub fn status_created(row: &StatusRow) {
    let author = match account(row.account_id) {
        Ok(Some(author)) if author.is_local() => author,
        Ok(_) => return,
        Err(e) => return aerie_sdk::log::warn(&format!("outbound: account {}: {e}", row.account_id)),
    };
    let (base, domain) = match instance() {
        Ok(instance) => instance,
        Err(e) => return aerie_sdk::log::warn(&format!("outbound: instance settings: {e}")),
    };
    let note = match note(row, &author, &base, &domain) {
        Ok(note) => note,
        Err(e) => return aerie_sdk::log::warn(&format!("outbound: the note of status {}: {e}", row.id)),
    };
    let inboxes = status_audience(row, &mentioned_ids(row.id, false));
    send(author.id, &create_note(note), &inboxes);
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://a.example";

    fn alice() -> AccountRow {
        AccountRow {
            id: 1,
            username: "alice".into(),
            uri: Some("https://a.example/users/alice".into()),
            followers_url: Some("https://a.example/users/alice/followers".into()),
            created_at: 1_700_000_000_000,
            ..Default::default()
        }
    }

    const ALICE: &str = "https://a.example/users/alice";
    const BOB: &str = "https://b.example/users/bob";

    #[test]
    fn follows_and_their_undo() {
        let id = follow_id(ALICE, 42);
        assert_eq!(id, "https://a.example/users/alice#follows/42");
        let json = document(&follow(&id, ALICE, BOB));
        assert_eq!(json["@context"], as2::AS_CONTEXT);
        assert_eq!((json["id"].as_str(), json["type"].as_str()), (Some(id.as_str()), Some("Follow")));
        assert_eq!((json["actor"].as_str(), json["object"].as_str()), (Some(ALICE), Some(BOB)));
        let json = document(&undo(follow(&id, ALICE, BOB)));
        assert_eq!(json["type"], "Undo");
        assert_eq!(json["id"], format!("{id}/undo"));
        assert_eq!(json["actor"], ALICE);
        assert_eq!(json["object"]["id"], id);
        assert_eq!(json["object"]["type"], "Follow");
        assert_eq!(json["object"]["object"], BOB);
        assert!(json["object"].get("@context").is_none());
        // It reads back as an Undo of the same Follow.
        let back: Activity = serde_json::from_value(json).unwrap();
        let Some(Object::Activity(inner)) = back.object else { panic!("the Undo lost its Follow") };
        assert_eq!(*inner, follow(&id, ALICE, BOB));
    }

    #[test]
    fn flags_name_the_account_then_its_statuses() {
        let json = flag("https://a.example/reports/5", "https://a.example/actor", BOB, &["https://b.example/notes/1".into()], "spam");
        assert_eq!((json["type"].as_str(), json["actor"].as_str()), (Some("Flag"), Some("https://a.example/actor")));
        assert_eq!(json["object"], serde_json::json!([BOB, "https://b.example/notes/1"]));
        assert_eq!((json["content"].as_str(), json["id"].as_str()), (Some("spam"), Some("https://a.example/reports/5")));
        assert_eq!(json["to"], serde_json::json!([BOB]));
        assert_eq!(json["@context"], as2::AS_CONTEXT);
    }

    #[test]
    fn likes_and_blocks() {
        let like = like(&like_id(ALICE, 7), ALICE, "https://b.example/notes/1");
        let json = document(&like);
        assert_eq!(json["id"], "https://a.example/users/alice#likes/7");
        assert_eq!((json["type"].as_str(), json["object"].as_str()), (Some("Like"), Some("https://b.example/notes/1")));
        assert_eq!(document(&undo(like))["id"], "https://a.example/users/alice#likes/7/undo");
        let json = document(&block(&block_id(ALICE, 9), ALICE, BOB));
        assert_eq!((json["id"].as_str(), json["type"].as_str()), (Some("https://a.example/users/alice#blocks/9"), Some("Block")));
        assert_eq!(document(&undo(block(&block_id(ALICE, 9), ALICE, BOB)))["object"]["object"], BOB);
    }

    #[test]
    fn accept_and_reject_embed_the_original_follow() {
        let follow_uri = "https://b.example/0a1b-follow";
        for (activity, kind, id) in [
            (accept_follow(5, follow_uri, BOB, ALICE), "Accept", "https://a.example/users/alice#accepts/follows/5"),
            (reject_follow(5, follow_uri, BOB, ALICE), "Reject", "https://a.example/users/alice#rejects/follows/5"),
        ] {
            let json = document(&activity);
            assert_eq!((json["type"].as_str(), json["id"].as_str(), json["actor"].as_str()), (Some(kind), Some(id), Some(ALICE)));
            assert_eq!(json["to"], serde_json::json!([BOB]));
            assert_eq!(json["object"]["id"], follow_uri);
            assert_eq!(json["object"]["type"], "Follow");
            assert_eq!(json["object"]["actor"], BOB);
            assert_eq!(json["object"]["object"], ALICE);
        }
    }

    fn status(visibility: &str) -> StatusRow {
        StatusRow {
            id: 9,
            account_id: 1,
            local: true,
            uri: Some("https://a.example/users/alice/statuses/9".into()),
            visibility: visibility.into(),
            created_at: 1_700_000_000_000,
            ..Default::default()
        }
    }

    #[test]
    fn notes_are_created_updated_and_deleted_with_their_addressing() {
        let author = alice();
        let public = as2::PUBLIC;
        let followers = "https://a.example/users/alice/followers";
        let expected: [(&str, Vec<&str>, Vec<&str>); 4] = [
            ("public", vec![public], vec![followers, BOB]),
            ("unlisted", vec![followers], vec![public, BOB]),
            ("private", vec![followers], vec![BOB]),
            ("direct", vec![BOB], vec![]),
        ];
        let bob =
            AccountRow { id: 2, username: "bob".into(), domain: Some("b.example".into()), uri: Some(BOB.into()), ..Default::default() };
        let mentioned = [bob];
        for (visibility, to, cc) in expected {
            let row = status(visibility);
            let note = convert::status_to_note(&row, &NoteParts { mentioned: &mentioned, ..NoteParts::new(BASE, "a.example", &author) });

            let json = document(&create_note(note.clone()));
            assert_eq!(json["@context"], as2::note_context());
            assert_eq!(json["id"], "https://a.example/users/alice/statuses/9/activity");
            assert_eq!((json["type"].as_str(), json["actor"].as_str()), (Some("Create"), Some(ALICE)));
            assert_eq!(json["to"], serde_json::json!(to), "{visibility}");
            assert_eq!(json.get("cc").cloned().unwrap_or(serde_json::json!([])), serde_json::json!(cc), "{visibility}");
            assert_eq!(json["object"]["to"], serde_json::json!(to));

            let mut edited = note.clone();
            edited.updated = Some("2023-11-14T22:15:00Z".into());
            let json = document(&update_note(edited, 1_700_000_100_123));
            assert_eq!(json["@context"], as2::note_context());
            assert_eq!(json["id"], "https://a.example/users/alice/statuses/9#updates/1700000100123");
            assert_eq!((json["type"].as_str(), json["actor"].as_str()), (Some("Update"), Some(ALICE)));
            assert_eq!(json["object"]["id"], "https://a.example/users/alice/statuses/9");
            assert_eq!(json["to"], serde_json::json!(to));
            assert_eq!(json["published"], "2023-11-14T22:15:00Z");

            let json = document(&delete_note(&row, &author, BASE, &[BOB.to_string()]));
            assert_eq!(json["id"], "https://a.example/users/alice/statuses/9#delete");
            assert_eq!((json["type"].as_str(), json["actor"].as_str()), (Some("Delete"), Some(ALICE)));
            assert_eq!(json["object"]["type"], "Tombstone");
            assert_eq!(json["object"]["id"], "https://a.example/users/alice/statuses/9");
            assert_eq!(json["to"], serde_json::json!(to), "{visibility}");
            assert_eq!(json.get("cc").cloned().unwrap_or(serde_json::json!([])), serde_json::json!(cc), "{visibility}");
        }
    }

    #[test]
    fn announces_and_their_undo() {
        let booster = alice();
        let reblog =
            StatusRow { uri: Some("https://a.example/users/alice/statuses/10/activity".into()), reblog_of_id: Some(3), ..status("public") };
        let announce = announce(&reblog, &booster, "https://b.example/notes/1", BOB, BASE);
        let json = document(&announce);
        assert_eq!(json["id"], "https://a.example/users/alice/statuses/10/activity");
        assert_eq!((json["type"].as_str(), json["object"].as_str()), (Some("Announce"), Some("https://b.example/notes/1")));
        assert_eq!(json["to"], serde_json::json!([as2::PUBLIC]));
        assert_eq!(json["cc"], serde_json::json!([BOB, "https://a.example/users/alice/followers"]));
        let json = document(&undo(announce));
        assert_eq!(json["id"], "https://a.example/users/alice/statuses/10/activity/undo");
        assert_eq!(json["to"], serde_json::json!([as2::PUBLIC]));
        assert_eq!(json["object"]["type"], "Announce");
    }

    #[test]
    fn votes_are_notes_to_the_poll_author() {
        let id = vote_id(ALICE, 11);
        let json = document(&poll_vote(&id, ALICE, "https://b.example/notes/1", BOB, "yes"));
        assert_eq!(json["id"], "https://a.example/users/alice#votes/11/activity");
        assert_eq!((json["type"].as_str(), json["actor"].as_str()), (Some("Create"), Some(ALICE)));
        assert_eq!(json["to"], serde_json::json!([BOB]));
        assert_eq!(json["object"]["id"], "https://a.example/users/alice#votes/11");
        assert_eq!((json["object"]["type"].as_str(), json["object"]["name"].as_str()), (Some("Note"), Some("yes")));
        assert_eq!(json["object"]["inReplyTo"], "https://b.example/notes/1");
        assert_eq!(json["object"]["attributedTo"], ALICE);
        assert_eq!(json["object"]["to"], serde_json::json!([BOB]));
    }

    #[test]
    fn actor_updates_are_public() {
        let mut row = alice();
        row.display_name = "Alice".into();
        let actor = convert::account_to_actor(&row, &ActorParts { base: BASE, ..Default::default() });
        let json = document(&update_actor(actor, 1_700_000_000_500));
        assert_eq!(json["@context"], as2::actor_context());
        assert_eq!(json["id"], "https://a.example/users/alice#updates/1700000000500");
        assert_eq!((json["type"].as_str(), json["actor"].as_str()), (Some("Update"), Some(ALICE)));
        assert_eq!(json["to"], serde_json::json!([as2::PUBLIC]));
        assert_eq!(json["object"]["type"], "Person");
        assert_eq!(json["object"]["name"], "Alice");
        assert!(json["object"].get("@context").is_none());
    }

    #[test]
    fn reach_follows_mastodon() {
        let mut reply = status("public");
        reply.in_reply_to_account_id = Some(5);
        assert_eq!(reached_accounts(&reply, &[3, 1], None, &[7, 3]), vec![3, 5, 7]);
        for visibility in ["private", "direct"] {
            let mut row = reply.clone();
            row.visibility = visibility.into();
            // The parent's author and those who interacted are reached only through mentions.
            assert_eq!(reached_accounts(&row, &[3], None, &[7]), vec![3]);
        }
        let reblog = StatusRow { reblog_of_id: Some(2), ..status("public") };
        assert_eq!(reached_accounts(&reblog, &[], Some(4), &[]), vec![4]);
        assert!(reaches_followers(&status("private")));
        assert!(!reaches_followers(&status("direct")));
    }
}
