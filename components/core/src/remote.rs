//! Remote actors and statuses: found in the database, else fetched (signed, by the
//! host) and stored. Shared by the inbox component and the Mastodon API (search,
//! lookups, mentions of remote accounts).
//!
//! - [`resolve_account_uri`] / [`resolve_acct`]: an account by actor URI or by
//!   `user@domain` (WebFinger), refreshed when older than a day.
//! - [`upsert_actor`]: an actor document as an `accounts` row.
//! - [`resolve_status_uri`] / [`store_note`]: a remote status by URI, and a Note
//!   stored with its reply parent, mentions, hashtags, poll, notifications and
//!   streaming events. [`update_note`] applies an edit.
//!
//! The pure parts (hosts, content, polls, addressing) are plain functions, tested
//! natively.

use std::fmt;

use crate::actions::Origin;
use crate::actions::statuses::{self, Attachments, Conversation, Edit, Files, NewStatus, Poll, Posted};
use crate::activitystreams::{self as as2, Note};
use crate::convert::note_to_status;
use crate::rows::{AccountRow, StatusRow};
use crate::store;
use crate::store::accounts::Lookup;
use crate::time::parse_iso8601;
use aerie_sdk::db::{self, Value};
use aerie_sdk::federation;
use aerie_sdk::{log, settings};

/// How long a fetched remote actor is trusted before it is fetched again.
pub const ACTOR_TTL_MS: i64 = 24 * 3_600_000;
/// At most this many mentions of one status are resolved (fetching unknown actors).
const MAX_MENTIONS: usize = 30;
/// Object types stored as statuses.
pub const NOTE_TYPES: &[&str] = &["Note", "Question", "Article", "Page", "Video", "Audio", "Image", "Event"];

/// Why a remote document could not be resolved or stored.
#[derive(Debug, Clone)]
pub enum RemoteError {
    /// The fetch failed (see [`federation::Error::is_temporary`]).
    Federation(federation::Error),
    /// The database refused or was unavailable.
    Db(db::Error),
    /// The document is not what it should be (wrong type, wrong origin, no id).
    Invalid(String),
}

impl RemoteError {
    /// Whether trying again later may succeed: network trouble, a busy database.
    pub fn is_temporary(&self) -> bool {
        match self {
            RemoteError::Federation(e) => e.is_temporary(),
            RemoteError::Db(e) => {
                matches!(e, db::Error::Unavailable(_) | db::Error::TransactionExpired(_) | db::Error::ConstraintViolation(_))
            }
            RemoteError::Invalid(_) => false,
        }
    }

    /// Whether the remote server said the document does not exist (404 or 410).
    pub fn is_gone(&self) -> bool {
        matches!(self, RemoteError::Federation(federation::Error::NotFound(_) | federation::Error::Gone(_)))
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteError::Federation(e) => write!(f, "fetch: {e}"),
            RemoteError::Db(e) => write!(f, "database: {e}"),
            RemoteError::Invalid(reason) => write!(f, "invalid document: {reason}"),
        }
    }
}

impl std::error::Error for RemoteError {}

impl From<federation::Error> for RemoteError {
    fn from(e: federation::Error) -> Self {
        RemoteError::Federation(e)
    }
}

impl From<db::Error> for RemoteError {
    fn from(e: db::Error) -> Self {
        RemoteError::Db(e)
    }
}

fn invalid(reason: impl Into<String>) -> RemoteError {
    RemoteError::Invalid(reason.into())
}

// ---------------------------------------------------------------------------------
// Pure helpers

/// The authority (`host[:port]`, lower-cased, without user info) of an http(s) URL.
pub fn authority(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    let auth = auth.rsplit_once('@').map(|(_, h)| h).unwrap_or(auth);
    (!auth.is_empty()).then(|| auth.to_ascii_lowercase())
}

/// The host of an authority or URL, without the port (for domain blocks).
pub fn host_of(url_or_authority: &str) -> String {
    let auth = authority(url_or_authority).unwrap_or_else(|| url_or_authority.to_ascii_lowercase());
    if let Some(rest) = auth.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_string();
    }
    match auth.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
        _ => auth,
    }
}

/// Whether two URLs (or a URL and an authority) are on the same origin.
pub fn same_origin(a: &str, b: &str) -> bool {
    let a = authority(a).unwrap_or_else(|| a.to_ascii_lowercase());
    let b = authority(b).unwrap_or_else(|| b.to_ascii_lowercase());
    !a.is_empty() && a == b
}

/// A URL without its fragment (`…/users/a#main-key` → `…/users/a`).
pub fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// The HTML shown for a remote content object, sanitized: its content (with the
/// title first for Articles and Pages), or the title and link when it has none.
pub fn note_html(note: &Note) -> String {
    let content = note.html();
    let title = note.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let titled = matches!(note.kind.as_str(), "Article" | "Page" | "Video" | "Event" | "Audio" | "Image");
    let mut html = String::new();
    if titled && let Some(title) = title {
        html.push_str(&format!("<p><strong>{}</strong></p>", crate::convert::escape_html(title)));
    }
    if !content.trim().is_empty() {
        html.push_str(content);
    } else if let Some(url) = note.url.as_deref().filter(|u| u.starts_with("http")) {
        let escaped = crate::convert::escape_html(url);
        html.push_str(&format!("<p><a href=\"{escaped}\">{escaped}</a></p>"));
    } else if !titled && let Some(title) = title {
        html.push_str(&format!("<p>{}</p>", crate::convert::escape_html(title)));
    }
    aerie_text::sanitize_remote_html(&html)
}

/// A Question's poll: options with votes, multiple choice, end, voters.
#[derive(Debug, Clone, PartialEq)]
pub struct RemotePoll {
    pub options: Vec<(String, u64)>,
    pub multiple: bool,
    pub expires_at: Option<i64>,
    pub voters_count: u64,
}

impl RemotePoll {
    /// `polls.options` JSON.
    pub fn options_json(&self) -> String {
        let list: Vec<serde_json::Value> =
            self.options.iter().map(|(title, votes)| serde_json::json!({ "title": title, "votes_count": votes })).collect();
        serde_json::Value::Array(list).to_string()
    }

    pub fn votes_count(&self) -> u64 {
        self.options.iter().map(|(_, v)| v).sum()
    }
}

/// The poll of a `Question`, if it has options.
pub fn note_poll(note: &Note) -> Option<RemotePoll> {
    let (options, multiple) = if !note.one_of.is_empty() { (&note.one_of, false) } else { (&note.any_of, true) };
    if options.is_empty() {
        return None;
    }
    let options: Vec<(String, u64)> = options.iter().map(|o| (o.name.clone(), o.votes())).collect();
    let sum: u64 = options.iter().map(|(_, v)| v).sum();
    Some(RemotePoll {
        options,
        multiple,
        expires_at: note.end_time.as_deref().or(note.closed.as_deref()).and_then(parse_iso8601),
        voters_count: note.voters_count.unwrap_or(if multiple { 0 } else { sum }),
    })
}

/// The hashtag names of a Note (without `#`, as written).
pub fn note_hashtags(note: &Note) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in note.tag.iter().filter(|t| t.kind == "Hashtag") {
        let Some(name) = tag.name.as_deref() else { continue };
        let name = name.trim().trim_start_matches('#');
        if name.is_empty() || name.chars().any(|c| c.is_whitespace()) {
            continue;
        }
        if !out.iter().any(|t| t.eq_ignore_ascii_case(name)) {
            out.push(name.to_string());
        }
    }
    out
}

/// The actor URIs a Note mentions (its `Mention` tags).
pub fn note_mentions(note: &Note) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for href in note.tag.iter().filter(|t| t.kind == "Mention").filter_map(|t| t.href.clone()) {
        if href.starts_with("http") && !out.contains(&href) {
            out.push(href);
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// The instance

/// This instance's identity, as the host keeps it in `instance_settings`.
#[derive(Debug, Clone, Default)]
pub struct LocalInstance {
    /// The `acct:` domain.
    pub domain: String,
    pub web_domain: String,
    /// `scheme://web_domain`.
    pub base: String,
    /// The scheme for URLs of other servers we build (WebFinger): `https`, `http` in tests.
    pub federation_scheme: String,
}

impl LocalInstance {
    pub fn load() -> Result<LocalInstance, db::Error> {
        let settings = store::instance::settings(&db::Autocommit)?;
        let domain = settings.domain_or_localhost();
        let (base, web_domain) = (settings.base(&domain), settings.web_domain_or(&domain));
        let federation_scheme = settings.federation_scheme();
        Ok(LocalInstance { base, domain, web_domain, federation_scheme })
    }

    /// Whether `url_or_host` is on this instance.
    pub fn is_local(&self, url_or_host: &str) -> bool {
        let auth = authority(url_or_host).unwrap_or_else(|| url_or_host.to_ascii_lowercase());
        auth.eq_ignore_ascii_case(&self.domain) || auth.eq_ignore_ascii_case(&self.web_domain)
    }
}

// ---------------------------------------------------------------------------------
// Accounts

fn account_where(lookup: Lookup) -> Result<Option<(AccountRow, Option<i64>)>, db::Error> {
    store::accounts::find(&db::Autocommit, lookup)
}

/// An account by id.
pub fn account_by_id(id: i64) -> Result<Option<AccountRow>, db::Error> {
    Ok(account_where(Lookup::Id(id))?.map(|(a, _)| a))
}

/// Asks for a newly met account's pinned and latest public posts (the `inbox`
/// component's `backfill` job). Best effort: without a queue grant, or with the
/// queue unavailable, the profile just starts empty.
fn queue_backfill(account: i64, uri: &str) {
    let options = aerie_sdk::queue::JobOptions { delay_ms: None, idempotency_key: Some(format!("backfill {uri}")), max_attempts: Some(3) };
    let payload = crate::contract::jobs::BackfillJob { account }.to_json();
    if let Err(e) = aerie_sdk::queue::enqueue(crate::contract::jobs::BACKFILL, payload.as_bytes(), &options) {
        log::info(&format!("no backfill for {uri}: {e:?}"));
    }
}

/// The job kind that fetches a remote status's replies (the `inbox` component's).
pub const REPLIES_KIND: &str = crate::contract::jobs::REPLIES;
/// A status's replies are fetched at most once in this long, however often its
/// thread is opened.
pub const REPLIES_WINDOW_MS: i64 = 15 * 60_000;

/// Asks for the replies of remote status `status` (the `inbox` component's
/// `replies` job), as Mastodon's FetchReplies does when a thread is opened: once per
/// status per [`REPLIES_WINDOW_MS`], so opening a thread repeatedly does not storm
/// its server. A key-value marker that expires with the window says a fetch was asked
/// for (when the caller has a kv grant); the job's idempotency key names the window,
/// so callers racing past the marker still queue one job. Local statuses have all
/// their replies already. Best effort, like [`queue_backfill`]; never waits for the
/// fetch. Returns whether a job was queued.
pub fn queue_replies_fetch(status: &StatusRow) -> bool {
    if status.local || status.deleted_at.is_some() || status.reblog_of_id.is_some() || status.uri.is_none() {
        return false;
    }
    let marker = format!("replies-fetched:{}", status.id);
    if matches!(aerie_sdk::kv::get(&marker), Ok(Some(_))) {
        return false;
    }
    let _ = aerie_sdk::kv::set(&marker, b"1", Some(REPLIES_WINDOW_MS as u64));
    let window = settings::now_millis() / REPLIES_WINDOW_MS;
    let options = aerie_sdk::queue::JobOptions {
        delay_ms: None,
        idempotency_key: Some(format!("replies {} {window}", status.id)),
        max_attempts: Some(3),
    };
    let payload = crate::contract::jobs::RepliesJob { status: status.id }.to_json();
    match aerie_sdk::queue::enqueue(REPLIES_KIND, payload.as_bytes(), &options) {
        Ok(queued) => queued.is_some(),
        Err(e) => {
            log::info(&format!("no replies fetch for status {}: {e:?}", status.id));
            false
        }
    }
}

/// The account with actor URI `uri`, from the database only.
pub fn account_by_uri(uri: &str) -> Result<Option<AccountRow>, db::Error> {
    Ok(account_where(Lookup::Uri(uri))?.map(|(a, _)| a))
}

/// The local account with actor URI `uri`.
pub fn local_account_by_uri(uri: &str) -> Result<Option<AccountRow>, db::Error> {
    Ok(account_where(Lookup::LocalUri(uri))?.map(|(a, _)| a))
}

/// The account with actor URI `uri`: from the database, fetched when unknown or
/// when a remote one was fetched more than a day ago (a failed refresh keeps the
/// stored row).
pub fn resolve_account_uri(uri: &str) -> Result<AccountRow, RemoteError> {
    let mut known = account_where(Lookup::Uri(uri))?;
    if known.is_none() {
        // A profile URL (some servers' Mention hrefs) of a known remote account.
        known = account_where(Lookup::RemoteUrl(uri))?;
    }
    if let Some((account, fetched_at)) = &known {
        let fresh = fetched_at.is_some_and(|at| settings::now_millis() - at < ACTOR_TTL_MS);
        if account.is_local() || fresh {
            return Ok(account.clone());
        }
    }
    if known.is_none() && LocalInstance::load()?.is_local(uri) {
        return Err(invalid(format!("{uri} is no local account")));
    }
    let fetch_from = known.as_ref().and_then(|(a, _)| a.uri.clone()).unwrap_or_else(|| uri.to_string());
    match fetch_actor(&fetch_from) {
        Ok(account) => Ok(account),
        Err(error) => match known {
            Some((account, _)) => {
                log::info(&format!("refreshing {uri} failed, keeping the stored account: {error}"));
                Ok(account)
            }
            None => Err(error),
        },
    }
}

fn fetch_actor(uri: &str) -> Result<AccountRow, RemoteError> {
    let value = federation::fetch_json(uri)?;
    let actor = match as2::Object::from_value(value) {
        as2::Object::Actor(actor) => actor,
        other => return Err(invalid(format!("{uri} is not an actor ({:?})", other.id()))),
    };
    upsert_actor(&actor, uri)
}

/// `user@domain`: a local account (when `domain` is this instance's) or a known
/// remote one from the database, else found with WebFinger and fetched. `None`
/// when the account does not exist (WebFinger answered 404 or 410).
pub fn resolve_acct(username: &str, domain: &str) -> Result<Option<AccountRow>, RemoteError> {
    let username = username.trim().trim_start_matches('@');
    let domain = domain.trim().to_ascii_lowercase();
    if username.is_empty() {
        return Ok(None);
    }
    let instance = LocalInstance::load()?;
    if domain.is_empty() || instance.is_local(&domain) {
        let local = account_where(Lookup::LocalUsername(&username.to_lowercase()))?;
        return Ok(local.map(|(a, _)| a));
    }
    let known = account_where(Lookup::UsernameAt(&username.to_lowercase(), &domain))?;
    if let Some((account, _)) = known {
        return match account.uri.clone() {
            Some(uri) => resolve_account_uri(&uri).map(Some),
            None => Ok(Some(account)),
        };
    }
    let url = format!("{}://{domain}/.well-known/webfinger?resource=acct:{username}@{domain}", instance.federation_scheme);
    let jrd = match federation::fetch_json_as(&url, "application/jrd+json") {
        Ok(value) => value,
        Err(federation::Error::NotFound(_) | federation::Error::Gone(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let finger: as2::WebFinger = serde_json::from_value(jrd).map_err(|e| invalid(format!("{url}: {e}")))?;
    let Some(actor_url) = finger.actor_url() else {
        return Err(invalid(format!("{url} names no ActivityPub actor")));
    };
    match resolve_account_uri(actor_url) {
        Ok(account) => Ok(Some(account)),
        Err(e) if e.is_gone() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Stores `actor` (fetched from `doc_origin`, a URL or host) as a remote account:
/// a new row, or the row with its URI (or its `username@domain`) updated. Refuses
/// an actor whose id is on another host than `doc_origin`, or on this instance.
pub fn upsert_actor(actor: &as2::Actor, doc_origin: &str) -> Result<AccountRow, RemoteError> {
    let id = actor.id.trim();
    let Some(domain) = authority(id) else {
        return Err(invalid(format!("actor id {id:?} is not an http(s) URL")));
    };
    if !same_origin(id, doc_origin) {
        return Err(invalid(format!("actor {id} was served by {doc_origin}")));
    }
    if !as2::ACTOR_TYPES.contains(&actor.kind.as_str()) {
        return Err(invalid(format!("{id} is a {:?}, not an actor", actor.kind)));
    }
    let instance = LocalInstance::load()?;
    if instance.is_local(id) {
        return Err(invalid(format!("{id} is on this instance")));
    }
    let username = Some(actor.preferred_username.trim())
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .or_else(|| without_fragment(id).trim_end_matches('/').rsplit('/').next().map(str::to_string))
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid(format!("{id} has no preferredUsername")))?;
    let now = settings::now_millis();
    let fields: Vec<serde_json::Value> = actor
        .fields()
        .into_iter()
        .map(|(name, value)| serde_json::json!({ "name": name, "value": aerie_text::sanitize_remote_html(value), "verified_at": null }))
        .collect();
    let also_known_as = serde_json::to_string(&actor.also_known_as).unwrap_or_else(|_| "[]".into());
    let shared_inbox = actor.endpoints.as_ref().and_then(|e| e.shared_inbox.clone()).filter(|s| !s.is_empty());
    let (key_id, key_pem) = match &actor.public_key {
        Some(key) if !key.public_key_pem.is_empty() => (Some(key.id.clone()).filter(|k| !k.is_empty()), Some(key.public_key_pem.clone())),
        _ => (None, None),
    };
    let text = |v: Option<String>| v.map(Value::Text).unwrap_or(Value::Null);
    let bot = matches!(actor.kind.as_str(), "Service" | "Application");
    let mut params = vec![
        Value::Int64(0), // $1: the row id, set below
        Value::Text(username.clone()),
        Value::Text(actor.name.clone().unwrap_or_default().trim().to_string()),
        Value::Text(actor.summary.as_deref().map(aerie_text::sanitize_remote_html).unwrap_or_default()),
        text(actor.url.clone()),
        text(actor.icon.as_ref().and_then(|i| i.url.clone())),
        text(actor.image.as_ref().and_then(|i| i.url.clone())),
        Value::Text(actor.kind.clone()),
        Value::Int64(actor.manually_approves_followers as i64),
        Value::Int64(bot as i64),
        Value::Int64(actor.discoverable.unwrap_or(false) as i64),
        Value::Int64(actor.indexable.unwrap_or(false) as i64),
        Value::Text(serde_json::Value::Array(fields).to_string()),
        Value::Text(also_known_as),
        text(Some(actor.inbox.clone()).filter(|i| !i.is_empty())),
        text(shared_inbox),
        text(actor.outbox.clone()),
        text(actor.followers.clone()),
        text(actor.featured.clone()),
        text(key_id),
        text(key_pem),
        Value::Int64(now),
        Value::Text(id.to_string()),
        Value::Text(domain.clone()),
    ];
    let existing = match account_where(Lookup::Uri(id))? {
        Some(found) => Some(found.0),
        None => account_where(Lookup::UsernameAt(&username.to_lowercase(), &domain))?.map(|(a, _)| a),
    };
    let account_id = match existing {
        Some(existing) => {
            if existing.is_local() {
                return Err(invalid(format!("{id} names a local account")));
            }
            params[0] = Value::Int64(existing.id);
            store::accounts::update_remote(&db::Autocommit, &params)?;
            existing.id
        }
        None => {
            let new_id = settings::next_id();
            params[0] = Value::Int64(new_id);
            params.push(Value::Int64(actor.published.as_deref().and_then(parse_iso8601).unwrap_or(now).min(now)));
            store::accounts::insert_remote(&db::Autocommit, &params)?;
            queue_backfill(new_id, id);
            new_id
        }
    };
    if let Some(moved_to) = actor.moved_to.as_deref()
        && let Some(target) = account_by_uri(moved_to)?
        && target.id != account_id
    {
        store::accounts::set_moved_to(&db::Autocommit, account_id, target.id)?;
    }
    account_where(Lookup::Id(account_id))?.map(|(a, _)| a).ok_or_else(|| invalid(format!("{id} vanished while being stored")))
}

// ---------------------------------------------------------------------------------
// Statuses

/// A status by URI (or URL) from the database, deleted ones included.
pub fn status_by_uri(uri: &str) -> Result<Option<StatusRow>, db::Error> {
    store::statuses::by_uri(&db::Autocommit, uri)
}

/// The id of the status at `uri` (or with that URL): from the database, else fetched
/// and stored with [`store_note`]. `None` when it does not exist (or was deleted).
pub fn resolve_status_uri(uri: &str) -> Result<Option<i64>, RemoteError> {
    resolve_status_at(uri, 0)
}

/// Like [`resolve_status_uri`], but a status not stored yet is only fetched and
/// stored when it is public or unlisted (`None` otherwise): for statuses found in a
/// collection (a thread's replies) rather than addressed to someone here.
pub fn resolve_public_status_uri(uri: &str) -> Result<Option<i64>, RemoteError> {
    resolve_status_where(uri, 0, is_public_note)
}

/// Whether a Note is public or unlisted (`as:Public` among its addressees).
pub fn is_public_note(note: &Note) -> bool {
    note.to.iter().chain(&note.cc).any(|a| as2::is_public(a))
}

fn resolve_status_at(uri: &str, depth: u32) -> Result<Option<i64>, RemoteError> {
    resolve_status_where(uri, depth, |_| true)
}

fn resolve_status_where(uri: &str, depth: u32, accept: impl Fn(&Note) -> bool) -> Result<Option<i64>, RemoteError> {
    if let Some(row) = status_by_uri(uri)? {
        return Ok(row.deleted_at.is_none().then_some(row.id));
    }
    if LocalInstance::load()?.is_local(uri) || authority(uri).is_none() {
        return Ok(None);
    }
    let value = match federation::fetch_json(uri) {
        Ok(value) => value,
        Err(federation::Error::NotFound(_) | federation::Error::Gone(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let note = match as2::Object::from_value(value) {
        as2::Object::Note(note) => note,
        other => return Err(invalid(format!("{uri} is not a status ({:?})", other.id()))),
    };
    if note.kind == "Tombstone" {
        return Ok(None);
    }
    if !same_origin(&note.id, uri) {
        return Err(invalid(format!("{uri} served an object of another host: {}", note.id)));
    }
    if note.id != uri
        && let Some(row) = status_by_uri(&note.id)?
    {
        return Ok(row.deleted_at.is_none().then_some(row.id));
    }
    if note.attributed_to.is_empty() || !same_origin(&note.attributed_to, &note.id) {
        return Err(invalid(format!("{} is attributed to {:?}, on another host", note.id, note.attributed_to)));
    }
    if !accept(&note) {
        log::info(&format!("{} is not public or unlisted: not stored", note.id));
        return Ok(None);
    }
    let author = resolve_account_uri(&note.attributed_to)?;
    store_note_at(&note, &author, depth).map(Some)
}

/// Local accounts among `uris` (addressees of a status), from the database.
fn local_accounts_among(uris: &[String]) -> Result<Vec<i64>, db::Error> {
    let uris: Vec<&String> = uris.iter().filter(|u| !as2::is_public(u)).take(100).collect();
    store::accounts::local_ids_among(&db::Autocommit, &uris)
}

/// The accounts a Note mentions (resolved, fetched when unknown; failures skipped)
/// and the local addressees it does not mention (silent mentions).
fn note_mentioned(note: &Note) -> Result<(Vec<i64>, Vec<i64>), db::Error> {
    let mut mentioned = Vec::new();
    for href in note_mentions(note).into_iter().take(MAX_MENTIONS) {
        match resolve_account_uri(&href) {
            Ok(account) if !mentioned.contains(&account.id) => mentioned.push(account.id),
            Ok(_) => {}
            Err(RemoteError::Db(e)) => return Err(e),
            Err(e) => log::info(&format!("mention {href} in {}: {e}", note.id)),
        }
    }
    let addressed: Vec<String> = note.to.iter().chain(&note.cc).cloned().collect();
    let silent = local_accounts_among(&addressed)?.into_iter().filter(|id| !mentioned.contains(id)).collect();
    Ok((mentioned, silent))
}

/// The `(id, account_id, conversation_id)` of the status at `uri`, if stored.
fn parent_of(uri: &str) -> Result<Option<(i64, i64, Option<i64>)>, db::Error> {
    Ok(status_by_uri(uri)?.filter(|s| s.deleted_at.is_none()).map(|s| (s.id, s.account_id, s.conversation_id)))
}

/// Stores remote `note` by `author` as a status (once: a Note already stored by
/// URI returns its id), with its parent (fetched when unknown, one level deep),
/// conversation, mentions, hashtags and poll; notifies mentioned local accounts
/// (and followers with notifications on), then publishes the streaming events.
pub fn store_note(note: &Note, author: &AccountRow) -> Result<i64, RemoteError> {
    store_note_at(note, author, 0)
}

fn store_note_at(note: &Note, author: &AccountRow, depth: u32) -> Result<i64, RemoteError> {
    if note.id.is_empty() || authority(&note.id).is_none() {
        return Err(invalid("a status without an http(s) id"));
    }
    if let Some(existing) = status_by_uri(&note.id)? {
        return Ok(existing.id);
    }
    if !note.attributed_to.is_empty() && author.uri.as_deref() != Some(note.attributed_to.as_str()) {
        return Err(invalid(format!("{} is attributed to {}, not {:?}", note.id, note.attributed_to, author.uri)));
    }
    if author.is_local() {
        return Err(invalid(format!("{} claims a local author", note.id)));
    }
    let parent = match note.in_reply_to.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(parent_uri) => match parent_of(parent_uri)? {
            Some(found) => Some(found),
            None if depth == 0 => match resolve_status_at(parent_uri, depth + 1) {
                Ok(Some(_)) => parent_of(parent_uri)?,
                Ok(None) => None,
                Err(RemoteError::Db(e)) => return Err(e.into()),
                Err(e) => {
                    log::info(&format!("the parent {parent_uri} of {}: {e}", note.id));
                    None
                }
            },
            None => None,
        },
    };
    let (mentioned, silent) = note_mentioned(note)?;
    let tags = note_hashtags(note);
    let poll = (note.kind == "Question").then(|| note_poll(note)).flatten();
    let media = crate::media::note_attachments(note);
    let now = settings::now_millis();

    let mut row = note_to_status(note, author, parent.map(|(id, account, _)| (id, account)));
    row.content_html = note_html(note);
    row.spoiler_text = aerie_text::html_to_text(&row.spoiler_text);
    row.sensitive = row.sensitive || !row.spoiler_text.is_empty();
    // Edits before we saw the status are not history here.
    row.edited_at = row.edited_at.filter(|at| *at > row.created_at);
    let conversation = match (parent.and_then(|(_, _, c)| c), note.conversation.as_deref()) {
        (Some(existing), _) => Conversation::Of(existing),
        (None, Some(uri)) if !uri.is_empty() => Conversation::Uri(uri.to_string()),
        _ => Conversation::New,
    };
    let new = NewStatus {
        row,
        conversation,
        mentioned,
        silent,
        tags,
        media: Attachments::Remote(media),
        poll: poll.map(Poll::Remote),
        scheduled: None,
        now,
    };
    note_emojis(note, author, now)?;
    match statuses::post(&Origin::Remote { uri: note.id.clone() }, new).map_err(refused)? {
        Posted::Created(row) => Ok(row.id),
        Posted::AlreadyStored | Posted::Unscheduled => {
            status_by_uri(&note.id)?.map(|s| s.id).ok_or_else(|| invalid(format!("{} could not be stored", note.id)))
        }
    }
}

/// Records the custom emoji a remote note's `tag` carries as emoji of its author's
/// domain, so the status shows them where its text names them.
fn note_emojis(note: &Note, author: &AccountRow, now: i64) -> Result<(), db::Error> {
    let Some(domain) = author.domain.as_deref() else { return Ok(()) };
    let emojis = crate::custom_emoji::from_tags(&note.tag);
    crate::custom_emoji::store_remote(&db::Autocommit, domain, &emojis, now, settings::next_id)
}

/// A remote status the core refused to write.
fn refused(refused: statuses::Refused) -> RemoteError {
    match refused {
        statuses::Refused::Db(e) => RemoteError::Db(e),
        statuses::Refused::MediaNotFound(ids) => invalid(format!("unusable attachments {ids:?}")),
    }
}

/// Applies an edit of remote `note` by `author` to its stored status: the previous
/// version goes to `status_edits` (the first edit also keeps the original), content,
/// mentions, tags and poll follow the new version, accounts that reblogged it get an
/// `update` notification. A poll whose only change is its counts is updated without
/// an edit. Unknown statuses are stored as new. Returns the status id.
pub fn update_note(note: &Note, author: &AccountRow) -> Result<i64, RemoteError> {
    let Some(status) = status_by_uri(&note.id)? else {
        return store_note(note, author);
    };
    if status.account_id != author.id {
        return Err(invalid(format!("{} is not by {:?}", note.id, author.uri)));
    }
    if status.deleted_at.is_some() {
        return Ok(status.id);
    }
    let now = settings::now_millis();
    let mut row = status.clone();
    row.content_html = note_html(note);
    row.spoiler_text = aerie_text::html_to_text(note.summary.as_deref().unwrap_or(""));
    row.sensitive = note.sensitive || !row.spoiler_text.is_empty();
    row.language = note.language().map(str::to_string).or(status.language.clone());
    let poll = (note.kind == "Question").then(|| note_poll(note)).flatten();
    let (mentioned, silent) = note_mentioned(note)?;
    note_emojis(note, author, now)?;
    let edit = Edit {
        row,
        edited_at: note.updated.as_deref().and_then(parse_iso8601).unwrap_or(now).min(now),
        mentioned,
        silent,
        tags: note_hashtags(note),
        media: Attachments::Remote(crate::media::note_attachments(note)),
        poll: poll.map(Poll::Remote),
        now,
    };
    statuses::edit(&Origin::Remote { uri: note.id.clone() }, &status, edit).map_err(refused)?;
    Ok(status.id)
}

/// Soft-deletes status `status` (and its reblogs) as its author's Delete does:
/// counters, pins and notifications follow, then the streaming events.
pub fn delete_status(status: &StatusRow) -> Result<(), db::Error> {
    statuses::delete(status, Files::Keep)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities() {
        assert_eq!(authority("https://Example.org/users/a#main-key").as_deref(), Some("example.org"));
        assert_eq!(authority("http://127.0.0.1:8080/users/a").as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(authority("https://u@x.example?q").as_deref(), Some("x.example"));
        assert_eq!(authority("acct:a@b"), None);
        assert_eq!(host_of("http://127.0.0.1:8080/x"), "127.0.0.1");
        assert_eq!(host_of("social.example"), "social.example");
        assert!(same_origin("https://a.example/x", "https://A.example/y"));
        assert!(!same_origin("https://a.example/x", "https://b.example/x"));
        assert!(same_origin("https://a.example/x", "a.example"));
        assert_eq!(without_fragment("https://a/u#k"), "https://a/u");
    }

    #[test]
    fn articles_show_title_and_link() {
        let page = Note {
            kind: "Page".into(),
            id: "https://l.example/post/1".into(),
            name: Some("A <title>".into()),
            url: Some("https://elsewhere.example/a".into()),
            ..Default::default()
        };
        let html = note_html(&page);
        assert!(html.contains("A &lt;title&gt;"), "{html}");
        assert!(html.contains("href=\"https://elsewhere.example/a\""), "{html}");
        let note = Note { kind: "Note".into(), content: "<p>hi<script>x</script></p>".into(), ..Default::default() };
        assert_eq!(note_html(&note), "<p>hi</p>");
    }

    #[test]
    fn polls_and_tags() {
        let value = serde_json::json!({
            "type": "Question", "id": "https://m.example/q/1", "endTime": "2030-01-01T00:00:00Z",
            "oneOf": [{"type": "Note", "name": "a", "replies": {"totalItems": 3}}, {"type": "Note", "name": "b"}],
            "tag": [{"type": "Hashtag", "name": "#Rust"}, {"type": "Hashtag", "name": "#rust"},
                    {"type": "Mention", "href": "https://m.example/users/x", "name": "@x"}]
        });
        let note: Note = serde_json::from_value(value).unwrap();
        let poll = note_poll(&note).unwrap();
        assert_eq!(poll.options, vec![("a".to_string(), 3), ("b".to_string(), 0)]);
        assert!(!poll.multiple);
        assert_eq!(poll.votes_count(), 3);
        assert!(poll.expires_at.is_some());
        assert_eq!(note_hashtags(&note), vec!["Rust".to_string()]);
        assert_eq!(note_mentions(&note), vec!["https://m.example/users/x".to_string()]);
    }
}
