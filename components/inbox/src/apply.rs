//! What each activity does to the database, after [`crate::parse::classify`] read it.
//!
//! Trust: a `verified` activity was signed by its actor (the host checked). An
//! unverified one (relayed, forwarded, or unwrapped from a group's `Announce`) is
//! trusted only through its origin: Create/Update objects are refetched by id and
//! used when the fetched document has the same id and is attributed to the
//! activity's actor; a Delete is applied only when the object is gone at its
//! origin; other activities are refetched by their own id and must name the same
//! actor.

use aerie_core::actions::accounts as account_actions;
use aerie_core::actions::blocks as block_action;
use aerie_core::actions::follows as follow_actions;
use aerie_core::actions::{Origin, boosts, favourites, saved};
use aerie_core::activitystreams::{self as as2, Note};
use aerie_core::remote::{self, LocalInstance, RemoteError, same_origin};
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_core::store::blocks::{self, Block};
use aerie_core::store::reports::NewReport;
use aerie_core::store::{self, follows, reblogs};
use aerie_core::time::parse_iso8601;
use aerie_sdk::db::{self, Autocommit};
use aerie_sdk::log::{self, Level};
use aerie_sdk::{federation, settings};
use serde_json::{Value as Json, json};

use crate::parse::{self, Action, ObjectRef, Payload, Undone};

/// Nested activities (Announce of an activity, refetched activities) go at most this deep.
const MAX_DEPTH: u8 = 3;

/// Why handling stopped early.
enum Stop {
    /// Temporary trouble: the job fails and the host retries it.
    Retry(String),
    /// Nothing more to do (logged): a bad document, an unknown object, a refusal.
    Drop(String),
}

type Done = Result<(), Stop>;

impl From<db::Error> for Stop {
    fn from(e: db::Error) -> Self {
        Stop::Retry(format!("database: {e}"))
    }
}

impl From<RemoteError> for Stop {
    fn from(e: RemoteError) -> Self {
        if e.is_temporary() { Stop::Retry(e.to_string()) } else { Stop::Drop(e.to_string()) }
    }
}

impl From<federation::Error> for Stop {
    fn from(e: federation::Error) -> Self {
        RemoteError::Federation(e).into()
    }
}

fn drop_it<T>(reason: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Drop(reason.into()))
}

fn debug(message: &str) {
    log::log(Level::Debug, message);
}

/// `Create https://… from https://…`, for logs.
fn describe(raw: &Json) -> String {
    format!(
        "{} {} from {}",
        parse::kind_of(raw).unwrap_or_else(|| "?".into()),
        parse::id_of(raw).unwrap_or_else(|| "(no id)".into()),
        parse::actor_of(raw).unwrap_or_else(|| "?".into())
    )
}

struct Ctx {
    instance: LocalInstance,
    /// The local account whose inbox received it (logging only for now).
    recipient: Option<i64>,
}

/// One activity being handled.
struct Incoming<'a> {
    raw: &'a Json,
    id: String,
    actor_uri: String,
    actor: AccountRow,
    verified: bool,
    depth: u8,
}

/// Handles one inbox job: `Err` only for temporary failures.
pub fn handle(payload: &Payload) -> Result<(), String> {
    let instance = LocalInstance::load().map_err(|e| format!("database: {e}"))?;
    let ctx = Ctx { instance, recipient: payload.recipient };
    match process(&ctx, &payload.activity, payload.verified, 0) {
        Ok(()) => Ok(()),
        Err(Stop::Drop(reason)) => {
            log::info(&format!("inbox: dropped {} (to {:?}): {reason}", describe(&payload.activity), ctx.recipient));
            Ok(())
        }
        Err(Stop::Retry(reason)) => Err(format!("{}: {reason}", describe(&payload.activity))),
    }
}

fn process(ctx: &Ctx, raw: &Json, verified: bool, depth: u8) -> Done {
    if depth > MAX_DEPTH {
        return drop_it("nested too deep");
    }
    let action = parse::classify(raw);
    if let Action::Ignore(reason) = &action {
        debug(&format!("inbox: ignored {}: {reason}", describe(raw)));
        return Ok(());
    }
    let Some(actor_uri) = parse::actor_of(raw) else { return drop_it("no actor") };
    if ctx.instance.is_local(&actor_uri) {
        return drop_it("an activity of a local actor");
    }
    if instance_blocked(&actor_uri)? {
        return drop_it("the actor's domain is blocked");
    }
    // A deleted actor cannot be fetched: handled before resolving it.
    if let Action::Delete { object } = &action
        && *object == actor_uri
    {
        return delete_actor(&actor_uri, verified);
    }
    let needs_origin = !verified && !matches!(action, Action::Create { .. } | Action::Update { .. } | Action::Delete { .. });
    if needs_origin {
        let fetched = from_origin(raw, &actor_uri)?;
        return process(ctx, &fetched, true, depth + 1);
    }
    let actor = remote::resolve_account_uri(&actor_uri)?;
    if actor.suspended_at.is_some() || actor.deleted_at.is_some() {
        return drop_it("the actor is suspended or deleted");
    }
    let act = Incoming { raw, id: parse::id_of(raw).unwrap_or_default(), actor_uri, actor, verified, depth };
    match action {
        Action::Follow { object } => follow(ctx, &act, &object),
        Action::Accept { object } => accept(&act, &object),
        Action::Reject { object } => reject(&act, &object),
        Action::Undo { inner, undone } => undo(&act, &inner, undone),
        Action::Create { object } => create(&act, &object),
        Action::Update { object, actor } => update(&act, &object, actor),
        Action::Delete { object } => delete(&act, &object),
        Action::Like { object, emoji } => like(&act, &object, emoji.as_deref()),
        Action::Announce { object, wrapped } => announce(ctx, &act, &object, wrapped),
        Action::Block { object } => block(&act, &object),
        Action::Move { object, target } => move_account(ctx, &act, &object, &target),
        Action::Add { object, target } => add(&act, &object, &target),
        Action::Remove { object, target } => remove(&act, &object, &target),
        Action::Flag { objects } => flag(&act, &objects, &parse::flag_comment(raw)),
        Action::QuoteRequest { object } => quote_request(&act, &object),
        Action::Ignore(_) => Ok(()),
    }
}

/// The activity as its origin serves it, when the signer was someone else: same
/// id, same actor, or nothing.
fn from_origin(raw: &Json, actor_uri: &str) -> Result<Json, Stop> {
    let Some(id) = parse::id_of(raw) else { return drop_it("unverified and without an id") };
    if !same_origin(&id, actor_uri) {
        return drop_it("unverified, and its id is not on the actor's host");
    }
    let fetched = federation::fetch_json(&id)?;
    if parse::id_of(&fetched).as_deref() != Some(id.as_str()) || parse::actor_of(&fetched).as_deref() != Some(actor_uri) {
        return drop_it("unverified, and its origin serves something else");
    }
    Ok(fetched)
}

// ---------------------------------------------------------------------------------
// Lookups

/// Whether an instance domain block (`suspend`) covers the host of `uri` or a parent domain.
fn instance_blocked(uri: &str) -> Result<bool, db::Error> {
    let host = remote::host_of(uri);
    let labels: Vec<&str> = host.split('.').collect();
    let candidates: Vec<String> = (0..labels.len()).map(|i| labels[i..].join(".")).collect();
    blocks::instance_suspends_any(&Autocommit, &candidates)
}

/// Whether local account `local` blocks `remote` (the account or its domain).
fn blocked_by(local: i64, remote: &AccountRow) -> Result<bool, db::Error> {
    blocks::blocks_account_or_domain(&Autocommit, local, remote)
}

fn account_by_id(id: i64) -> Result<Option<AccountRow>, db::Error> {
    store::accounts::by_id(&db::Autocommit, id)
}

fn status_by_id(id: i64) -> Result<Option<StatusRow>, db::Error> {
    store::statuses::by_id(&db::Autocommit, id)
}

/// Where to send something to `account`: its own inbox, else its shared inbox.
fn inbox_of(account: &AccountRow) -> Option<String> {
    account.inbox_url.clone().filter(|i| !i.is_empty()).or_else(|| account.shared_inbox_url.clone().filter(|i| !i.is_empty()))
}

/// Queues `doc`, signed by local account `sender`, to `to`'s inbox.
fn deliver(sender: i64, doc: &Json, to: &AccountRow) -> Done {
    let Some(inbox) = inbox_of(to) else {
        log::warn(&format!("inbox: {:?} has no inbox to answer", to.uri));
        return Ok(());
    };
    match federation::deliver(Some(sender), doc, &[inbox]) {
        Ok(_) => Ok(()),
        Err(e) if e.is_temporary() => Err(Stop::Retry(format!("deliver: {e}"))),
        Err(e) => {
            log::warn(&format!("inbox: delivering {:?}: {e}", doc.get("id")));
            Ok(())
        }
    }
}

/// A content object the activity may use: embedded and trusted (verified, by the
/// actor, on the actor's host), else refetched from its origin and checked.
fn trusted_note(act: &Incoming, object: &ObjectRef) -> Result<Note, Stop> {
    let Some(id) = object.id.clone() else { return drop_it("an object without an id") };
    if act.verified && object.is_embedded() {
        let mut note: Note = serde_json::from_value(object.value.clone()).map_err(|e| Stop::Drop(format!("unreadable object: {e}")))?;
        if note.attributed_to.is_empty() {
            note.attributed_to = act.actor_uri.clone();
        }
        if note.attributed_to == act.actor_uri && same_origin(&note.id, &act.actor_uri) {
            return Ok(note);
        }
    }
    if !same_origin(&id, &act.actor_uri) {
        return drop_it(format!("{id} is not on the actor's host"));
    }
    let fetched = federation::fetch_json(&id)?;
    let note = match as2::Object::from_value(fetched) {
        as2::Object::Note(note) => *note,
        _ => return drop_it(format!("{id} is not a content object")),
    };
    if note.id != id || note.attributed_to != act.actor_uri {
        return drop_it(format!("{id} as fetched is not the actor's"));
    }
    Ok(note)
}

// ---------------------------------------------------------------------------------
// Follows

fn follow(ctx: &Ctx, act: &Incoming, object: &str) -> Done {
    let Some(target) = remote::local_account_by_uri(object)? else {
        if object == aerie_core::contract::uris::instance_actor(&ctx.instance.base) {
            return drop_it("a follow of the instance actor (relays are not handled here)");
        }
        return drop_it(format!("{object} is not a local account"));
    };
    if target.suspended_at.is_some() || target.deleted_at.is_some() {
        return drop_it("the followed account is suspended or deleted");
    }
    let target_uri = target.uri.clone().unwrap_or_default();
    if blocked_by(target.id, &act.actor)? {
        let reject = json!({
            "@context": as2::AS_CONTEXT,
            "id": format!("{target_uri}#rejects/follows/{}", settings::next_id()),
            "type": "Reject", "actor": target_uri, "to": [act.actor_uri], "object": act.raw,
        });
        return deliver(target.id, &reject, &act.actor);
    }
    match follow_actions::follow(act.actor.id, &target, follow_actions::Options::default(), &Origin::Remote { uri: act.id.clone() })? {
        follow_actions::Followed::Following { id, .. } => send_accept(act, &target, id),
        follow_actions::Followed::Requested { .. } => Ok(()),
    }
}

/// `Accept` of the received Follow, by the followed local account.
fn send_accept(act: &Incoming, target: &AccountRow, follow_id: i64) -> Done {
    let target_uri = target.uri.clone().unwrap_or_default();
    let accept = json!({
        "@context": as2::AS_CONTEXT,
        "id": format!("{target_uri}#accepts/follows/{follow_id}"),
        "type": "Accept",
        "actor": target_uri,
        "to": [act.actor_uri],
        "object": act.raw,
    });
    deliver(target.id, &accept, &act.actor)
}

/// The local follower and follow id an Accept/Reject (or Undo of an Accept) names:
/// the Follow's id, or an embedded Follow of the sender by a local actor.
fn follow_keys(act: &Incoming, follow: &ObjectRef) -> (String, String) {
    let id = follow.id.clone().unwrap_or_default();
    let follower = if follow.is("Follow") && follow.object().and_then(|o| o.id).as_deref() == Some(act.actor_uri.as_str()) {
        follow.actor().unwrap_or_default()
    } else {
        String::new()
    };
    (id, follower)
}

fn accept(act: &Incoming, object: &ObjectRef) -> Done {
    if object.kind.is_some() && !object.is("Follow") {
        debug(&format!("inbox: Accept of a {:?} ignored", object.kind));
        return Ok(());
    }
    let (follow_id, follower) = follow_keys(act, object);
    let Some(request) = follows::request_named(&Autocommit, act.actor.id, &follow_id, &follower)? else {
        debug("inbox: Accept of no pending follow request (already accepted?)");
        return Ok(());
    };
    follow_actions::accept(request.follower, act.actor.id, &Origin::Remote { uri: act.id.clone() })?;
    Ok(())
}

fn reject(act: &Incoming, object: &ObjectRef) -> Done {
    if object.kind.is_some() && !object.is("Follow") {
        debug(&format!("inbox: Reject of a {:?} ignored", object.kind));
        return Ok(());
    }
    let (follow_id, follower) = follow_keys(act, object);
    let locals = follows::local_followers_named(&Autocommit, act.actor.id, &follow_id, &follower, true)?;
    if locals.is_empty() {
        debug("inbox: Reject of no known follow");
        return Ok(());
    }
    follow_actions::remove_followers(act.actor.id, &locals)?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Undo

fn undo(act: &Incoming, inner: &ObjectRef, undone: Undone) -> Done {
    if inner.is_embedded() && inner.actor().as_deref() != Some(act.actor_uri.as_str()) {
        return drop_it("an Undo of someone else's activity");
    }
    let id = inner.id.clone().unwrap_or_default();
    let object = inner.object();
    let object_id = object.as_ref().and_then(|o| o.id.clone()).unwrap_or_default();
    match undone {
        Undone::Follow => undo_follow(act, &id, &object_id).map(|_| ()),
        Undone::Like => undo_like(act, &id, &object_id).map(|_| ()),
        Undone::Announce => undo_announce(act, &id, &object_id).map(|_| ()),
        Undone::Block => undo_block(act, &id, &object_id).map(|_| ()),
        Undone::Accept => match object {
            Some(follow) => undo_accept(act, &follow),
            None => Ok(()),
        },
        Undone::Unknown => {
            if id.is_empty() {
                return drop_it("an Undo of nothing");
            }
            let _ = undo_follow(act, &id, "")? || undo_like(act, &id, "")? || undo_announce(act, &id, "")? || undo_block(act, &id, "")?;
            Ok(())
        }
        Undone::Other => {
            debug(&format!("inbox: Undo of a {:?} ignored", inner.kind));
            Ok(())
        }
    }
}

fn undo_follow(act: &Incoming, id: &str, object: &str) -> Result<bool, Stop> {
    let target = match remote::local_account_by_uri(object)? {
        Some(target) => Some(target.id),
        None if !id.is_empty() => follows::target_by_uri(&Autocommit, act.actor.id, id)?,
        None => None,
    };
    let Some(target) = target else { return Ok(false) };
    follow_actions::unfollow(act.actor.id, target, &Origin::Remote { uri: id.to_string() })?;
    Ok(true)
}

fn undo_like(act: &Incoming, id: &str, object: &str) -> Result<bool, Stop> {
    Ok(favourites::undo_like(act.actor.id, id, object)?)
}

fn undo_announce(act: &Incoming, id: &str, object: &str) -> Result<bool, Stop> {
    let reblogs = reblogs::undone_by(&Autocommit, act.actor.id, id, object)?;
    for reblog in &reblogs {
        remote::delete_status(reblog)?;
    }
    Ok(!reblogs.is_empty())
}

fn undo_block(act: &Incoming, id: &str, object: &str) -> Result<bool, Stop> {
    let target = remote::local_account_by_uri(object)?.map(|a| a.id).unwrap_or(-1);
    Ok(blocks::delete_undone(&Autocommit, act.actor.id, id, target)?)
}

/// `Undo` of an `Accept` of a local account's Follow: the followed actor removes
/// the follower.
fn undo_accept(act: &Incoming, follow: &ObjectRef) -> Done {
    let (follow_id, follower) = follow_keys(act, follow);
    let locals = follows::local_followers_named(&Autocommit, act.actor.id, &follow_id, &follower, false)?;
    if locals.is_empty() {
        return Ok(());
    }
    follow_actions::remove_followers(act.actor.id, &locals)?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Statuses

fn create(act: &Incoming, object: &ObjectRef) -> Done {
    if !object.is_embedded() {
        let Some(id) = object.id.as_deref() else { return drop_it("no object") };
        return match remote::resolve_status_uri(id)? {
            Some(_) => Ok(()),
            None => drop_it(format!("{id} does not exist")),
        };
    }
    let note = trusted_note(act, object)?;
    if note.kind == "Tombstone" {
        return Ok(());
    }
    remote::store_note(&note, &act.actor)?;
    Ok(())
}

fn update(act: &Incoming, object: &ObjectRef, of_actor: bool) -> Done {
    if of_actor {
        if object.id.as_deref() != Some(act.actor_uri.as_str()) {
            return drop_it("an Update of another actor");
        }
        if act.verified && object.is_embedded() {
            let actor: as2::Actor =
                serde_json::from_value(object.value.clone()).map_err(|e| Stop::Drop(format!("unreadable actor: {e}")))?;
            remote::upsert_actor(&actor, &act.actor_uri)?;
        } else {
            let fetched = federation::fetch_json(&act.actor_uri)?;
            let as2::Object::Actor(actor) = as2::Object::from_value(fetched) else {
                return drop_it("the actor's origin serves no actor");
            };
            remote::upsert_actor(&actor, &act.actor_uri)?;
        }
        return Ok(());
    }
    let note = trusted_note(act, object)?;
    if note.kind == "Tombstone" {
        return Ok(());
    }
    remote::update_note(&note, &act.actor)?;
    Ok(())
}

/// Whether `uri` is gone at its origin (404, 410 or a Tombstone).
fn gone_at_origin(uri: &str) -> Result<bool, Stop> {
    match federation::fetch_json(uri) {
        Ok(doc) => Ok(parse::kind_of(&doc).as_deref() == Some("Tombstone")),
        Err(federation::Error::NotFound(_) | federation::Error::Gone(_)) => Ok(true),
        Err(e) if e.is_temporary() => Err(Stop::Retry(format!("checking {uri}: {e}"))),
        Err(_) => Ok(false),
    }
}

fn delete(act: &Incoming, object: &str) -> Done {
    let Some(status) = remote::status_by_uri(object)? else {
        debug(&format!("inbox: Delete of unknown {object}"));
        return Ok(());
    };
    if status.account_id != act.actor.id {
        return drop_it(format!("{object} is not the actor's"));
    }
    if !act.verified && !gone_at_origin(object)? {
        return drop_it(format!("unverified Delete of {object}, which still exists"));
    }
    remote::delete_status(&status)?;
    Ok(())
}

/// The actor deleted itself: the account is marked deleted, its statuses go,
/// follows both ways end.
fn delete_actor(actor_uri: &str, verified: bool) -> Done {
    let Some(account) = remote::account_by_uri(actor_uri)? else { return Ok(()) };
    if account.is_local() {
        return drop_it("a Delete of a local account");
    }
    if account.deleted_at.is_some() {
        return Ok(());
    }
    if !verified && !gone_at_origin(actor_uri)? {
        return drop_it("unverified Delete of an actor that still exists");
    }
    account_actions::delete_remote(account.id)?;
    Ok(())
}

/// A `Like` (and an `EmojiReact`: Mastodon ignores reactions; we keep them as a
/// favourite so the author hears about them) of a known status.
fn like(act: &Incoming, object: &str, emoji: Option<&str>) -> Done {
    let Some(status) = remote::status_by_uri(object)?.filter(|s| s.deleted_at.is_none() && s.reblog_of_id.is_none()) else {
        return drop_it(format!("a like of unknown {object}"));
    };
    if let Some(emoji) = emoji {
        debug(&format!("inbox: reaction {emoji:?} kept as a favourite"));
    }
    favourites::favourite(act.actor.id, &status, &Origin::Remote { uri: act.id.clone() })?;
    Ok(())
}

fn announce(ctx: &Ctx, act: &Incoming, object: &ObjectRef, wrapped: bool) -> Done {
    if wrapped {
        let Some(inner) = parse::wrapped_activity(act.raw) else { return Ok(()) };
        return process(ctx, inner, false, act.depth + 1);
    }
    if act.id.is_empty() {
        return drop_it("an Announce without an id");
    }
    let Some(object_id) = object.id.clone() else { return drop_it("an Announce of nothing") };
    // The embedded original is used as is only from its own host; else it is fetched.
    let original_id = if object.is_embedded() && act.verified && same_origin(&object_id, &act.actor_uri) {
        let note: Note = serde_json::from_value(object.value.clone()).map_err(|e| Stop::Drop(format!("unreadable object: {e}")))?;
        if note.attributed_to.is_empty() || !same_origin(&note.attributed_to, &note.id) {
            return drop_it("an embedded object without a plausible author");
        }
        let author = remote::resolve_account_uri(&note.attributed_to)?;
        Some(remote::store_note(&note, &author)?)
    } else {
        remote::resolve_status_uri(&object_id)?
    };
    let Some(original) = original_id.map(status_by_id).transpose()?.flatten() else {
        return drop_it(format!("{object_id} could not be found"));
    };
    if original.reblog_of_id.is_some() || original.deleted_at.is_some() {
        return drop_it("an Announce of a reblog or a deleted status");
    }
    if original.account_id != act.actor.id && matches!(original.visibility.as_str(), "private" | "direct") {
        return drop_it("an Announce of a private status");
    }
    if remote::status_by_uri(&act.id)?.is_some() {
        return Ok(());
    }
    let addressing = Note { to: parse::addresses(act.raw, "to"), cc: parse::addresses(act.raw, "cc"), ..Note::default() };
    let visibility = match aerie_core::convert::note_visibility(&addressing, act.actor.followers_url.as_deref()) {
        "direct" => "private",
        other => other,
    };
    let now = settings::now_millis();
    let published = act.raw.get("published").and_then(Json::as_str).and_then(parse_iso8601).unwrap_or(now).min(now);
    let row = StatusRow {
        id: settings::id_at(published, &act.id),
        account_id: act.actor.id,
        uri: Some(act.id.clone()),
        visibility: visibility.to_string(),
        reblog_of_id: Some(original.id),
        created_at: published,
        updated_at: now,
        ..StatusRow::default()
    };
    boosts::boost(&row, &original)?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Blocks, moves, pins, quotes

fn block(act: &Incoming, object: &str) -> Done {
    let Some(target) = remote::local_account_by_uri(object)? else { return drop_it(format!("{object} is not a local account")) };
    let uri = Some(act.id.clone()).filter(|i| !i.is_empty());
    block_action::block(&Block { id: settings::next_id(), account: act.actor.id, target: target.id, uri })?;
    Ok(())
}

/// A Flag: a report about a local account (named among the objects, or the author
/// of the local statuses named), kept for the moderators with the reported
/// statuses that are that account's own. Reports about nobody here are dropped.
fn flag(act: &Incoming, objects: &[String], comment: &str) -> Done {
    let mut target = None;
    for uri in objects {
        if let Some(account) = remote::local_account_by_uri(uri)? {
            target = Some(account.id);
            break;
        }
    }
    let mut statuses: Vec<(i64, i64)> = Vec::new();
    for uri in objects {
        if let Some(found) = store::statuses::local_by_uri(&db::Autocommit, uri)? {
            statuses.push(found);
        }
    }
    let Some(target) = target.or_else(|| statuses.first().map(|&(_, author)| author)) else {
        return drop_it("a Flag about no local account");
    };
    let status_ids: Vec<String> = statuses.iter().filter(|&&(_, author)| author == target).map(|(id, _)| id.to_string()).collect();
    // Plain text: the comment is shown to moderators, never rendered as HTML.
    let comment: String = aerie_core::text::html_to_text(comment).chars().take(5000).collect();
    let report = NewReport {
        id: settings::next_id(),
        account_id: act.actor.id,
        target_account_id: target,
        status_ids,
        comment,
        uri: Some(act.id.clone()).filter(|i| !i.is_empty()),
        forwarded: true,
        created_at: settings::now_millis(),
    };
    store::reports::insert_remote(&db::Autocommit, &report)?;
    log::info(&format!("inbox: report from {} about account {target} ({} statuses)", act.actor_uri, report.status_ids.len()));
    Ok(())
}

/// The actor URIs account `target` says it also is, and the account.
fn aliases_of(ctx: &Ctx, target_uri: &str) -> Result<(AccountRow, Vec<String>), Stop> {
    if ctx.instance.is_local(target_uri) {
        let Some(local) = remote::local_account_by_uri(target_uri)? else { return drop_it("a Move to an unknown local account") };
        let aliases = store::accounts::also_known_as(&Autocommit, local.id)?;
        return Ok((local, aliases));
    }
    let fetched = federation::fetch_json(target_uri)?;
    let as2::Object::Actor(actor) = as2::Object::from_value(fetched) else { return drop_it("the Move target is not an actor") };
    let account = remote::upsert_actor(&actor, target_uri)?;
    Ok((account, actor.also_known_as.clone()))
}

fn move_account(ctx: &Ctx, act: &Incoming, object: &str, target_uri: &str) -> Done {
    if object != act.actor_uri {
        return drop_it("a Move of another actor");
    }
    let (target, aliases) = aliases_of(ctx, target_uri)?;
    if !aliases.contains(&act.actor_uri) {
        return drop_it("the Move target does not name the origin in alsoKnownAs");
    }
    if target.id == act.actor.id {
        return drop_it("a Move to itself");
    }
    store::accounts::set_moved_to(&Autocommit, act.actor.id, target.id)?;
    for follow in follows::local_followers(&Autocommit, act.actor.id)? {
        let (local_id, show_reblogs, notify_on, old_uri) = (follow.follower, follow.show_reblogs, follow.notify, follow.uri);
        let Some(local) = account_by_id(local_id)? else { continue };
        let local_uri = local.uri.clone().unwrap_or_default();
        let already = follows::follow_or_request(&Autocommit, local_id, target.id)?.is_some();
        let blocked = blocked_by(local_id, &target)?;
        let request_id = settings::next_id();
        let follow_uri = format!("{local_uri}#follows/{request_id}");
        let tx = db::begin()?;
        if !already && !blocked {
            if target.is_local() {
                follows::create(&tx, local_id, target.id, show_reblogs, notify_on)?;
            } else {
                let request = follows::Request {
                    id: request_id,
                    follower: local_id,
                    target: target.id,
                    show_reblogs,
                    notify: notify_on,
                    uri: Some(follow_uri.clone()),
                };
                follows::insert_request(&tx, &request, settings::now_millis(), false)?;
            }
        }
        follows::remove(&tx, local_id, act.actor.id)?;
        tx.commit()?;
        if !already && !blocked && !target.is_local() {
            let follow = json!({
                "@context": as2::AS_CONTEXT, "id": follow_uri, "type": "Follow", "actor": local_uri, "object": target.uri,
            });
            deliver(local_id, &follow, &target)?;
        }
        if let Some(old_uri) = old_uri {
            let unfollow = json!({
                "@context": as2::AS_CONTEXT, "id": format!("{old_uri}/undo"), "type": "Undo", "actor": local_uri,
                "object": {"id": old_uri, "type": "Follow", "actor": local_uri, "object": act.actor_uri},
            });
            deliver(local_id, &unfollow, &act.actor)?;
        }
    }
    Ok(())
}

/// Whether `target` is the actor's featured collection (its pinned statuses).
fn is_featured(act: &Incoming, target: &str) -> bool {
    act.actor.featured_url.as_deref() == Some(target)
}

fn add(act: &Incoming, object: &ObjectRef, target: &str) -> Done {
    if !is_featured(act, target) {
        debug(&format!("inbox: Add to {target} ignored"));
        return Ok(());
    }
    let Some(id) = object.id.clone() else { return Ok(()) };
    let status_id = if object.is_embedded() && object.kind.as_deref().is_some_and(|k| parse::CONTENT_TYPES.contains(&k)) {
        let note = trusted_note(act, object)?;
        Some(remote::store_note(&note, &act.actor)?)
    } else {
        remote::resolve_status_uri(&id)?
    };
    let Some(status) = status_id.map(status_by_id).transpose()?.flatten() else { return drop_it(format!("{id} could not be found")) };
    if status.account_id != act.actor.id {
        return drop_it("a pin of someone else's status");
    }
    saved::pin(act.actor.id, status.id)?;
    Ok(())
}

fn remove(act: &Incoming, object: &ObjectRef, target: &str) -> Done {
    if !is_featured(act, target) {
        debug(&format!("inbox: Remove from {target} ignored"));
        return Ok(());
    }
    let Some(id) = object.id.as_deref() else { return Ok(()) };
    if let Some(status) = remote::status_by_uri(id)? {
        saved::unpin(act.actor.id, status.id)?;
    }
    Ok(())
}

/// Mastodon 4.5 asks before quoting; quotes are not supported yet, so every request
/// is answered with a `Reject` by the quoted account (the quote never hangs).
fn quote_request(act: &Incoming, object: &str) -> Done {
    let Some(status) = remote::status_by_uri(object)?.filter(|s| s.local && s.deleted_at.is_none()) else {
        return drop_it(format!("a quote request of {object}, which is not a local status"));
    };
    let Some(author) = account_by_id(status.account_id)? else { return Ok(()) };
    let author_uri = author.uri.clone().unwrap_or_default();
    let reject = json!({
        "@context": as2::AS_CONTEXT,
        "id": format!("{author_uri}#rejects/quote_requests/{}", settings::next_id()),
        "type": "Reject",
        "actor": author_uri,
        "to": [act.actor_uri],
        "object": act.raw,
    });
    deliver(author.id, &reject, &act.actor)
}
