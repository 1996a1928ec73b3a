//! Backfill on first contact: when a remote account is stored for the first time (an
//! activity from it, a search, a mention), its pinned posts (the `featured` collection)
//! and the first page of its outbox are fetched, so its profile here is not empty.
//! Public posts only, a bounded number, each through the same `store_note` as a
//! delivered one (idempotent by URI). `remote::upsert_actor` queues the job.

use aerie_core::activitystreams::{self as as2, Collection, Note, Object, PageRef};
use aerie_core::contract::jobs::BackfillJob;
use aerie_core::remote::{self, RemoteError};
use aerie_core::rows::AccountRow;
use aerie_core::store::pins;
use aerie_sdk::db;
use aerie_sdk::{federation, log, settings};

/// The job kind.
pub const KIND: &str = aerie_core::contract::jobs::BACKFILL;
const FEATURED_LIMIT: usize = 5;
const OUTBOX_LIMIT: usize = 20;

/// Runs one backfill job (a [`BackfillJob`]). Network trouble fails the job (the host
/// retries it a few times); anything else is logged and the job ends.
pub fn run(payload: &[u8]) -> Result<(), String> {
    let account_id = match BackfillJob::parse(payload) {
        Ok(job) => job.account,
        Err(reason) => {
            log::warn(&format!("backfill: {reason}"));
            return Ok(());
        }
    };
    let Some(account) = remote::account_by_id(account_id).map_err(|e| e.to_string())? else { return Ok(()) };
    if account.is_local() {
        return Ok(());
    }
    let mut stored = 0;
    if let Some(featured) = account.featured_url.clone() {
        for note in public_notes(&account, &featured, FEATURED_LIMIT).map_err(|e| e.to_string())? {
            if let Some(status) = store(&note, &account)? {
                pins::insert(&db::Autocommit, settings::next_id(), account.id, status, settings::now_millis())
                    .map_err(|e| e.to_string())?;
                stored += 1;
            }
        }
    }
    if let Some(outbox) = account.outbox_url.clone() {
        for note in public_notes(&account, &outbox, OUTBOX_LIMIT).map_err(|e| e.to_string())? {
            if store(&note, &account)?.is_some() {
                stored += 1;
            }
        }
    }
    log::info(&format!("backfill: {stored} public posts of {} stored", account.uri.as_deref().unwrap_or_default()));
    Ok(())
}

/// Stores one note; a note that cannot be stored is skipped, not fatal.
fn store(note: &Note, account: &AccountRow) -> Result<Option<i64>, String> {
    match remote::store_note(note, account) {
        Ok(id) => Ok(Some(id)),
        Err(e) if e.is_temporary() => Err(e.to_string()),
        Err(e) => {
            log::info(&format!("backfill: {} skipped: {e}", note.id));
            Ok(None)
        }
    }
}

/// Up to `limit` public notes by `account` in the collection at `url` (its first page
/// when the items are not inline); only network trouble is an error (a collection that
/// is gone or malformed has nothing to backfill). Items may be notes, `Create` activities wrapping
/// them, or bare URIs (fetched).
fn public_notes(account: &AccountRow, url: &str, limit: usize) -> Result<Vec<Note>, RemoteError> {
    let collection = match fetch_collection(url) {
        Ok(c) => c,
        Err(e) if e.is_temporary() => return Err(e),
        Err(e) => {
            log::info(&format!("backfill: {url}: {e}"));
            return Ok(vec![]);
        }
    };
    let mut entries: Vec<Object> = collection.entries().to_vec();
    if entries.is_empty() {
        entries = match &collection.first {
            Some(PageRef::Page(page)) => page.entries().to_vec(),
            Some(PageRef::Link(page)) => match fetch_collection(page) {
                Ok(page) => page.entries().to_vec(),
                Err(e) if e.is_temporary() => return Err(e),
                Err(_) => vec![],
            },
            None => vec![],
        };
    }
    let author = account.uri.clone().unwrap_or_default();
    let mut notes = Vec::new();
    for entry in entries {
        if notes.len() >= limit {
            break;
        }
        let note = match entry {
            Object::Note(note) => Some(*note),
            Object::Activity(activity) if activity.kind == "Create" => match activity.object {
                Some(Object::Note(note)) => Some(*note),
                Some(Object::Link(id)) => fetch_note(&id),
                _ => None,
            },
            Object::Link(id) => fetch_note(&id),
            _ => None,
        };
        if let Some(note) = note
            && note.attributed_to == author
            && note.to.iter().chain(&note.cc).any(|a| as2::is_public(a))
        {
            notes.push(note);
        }
    }
    Ok(notes)
}

fn fetch_collection(url: &str) -> Result<Collection, RemoteError> {
    let value = federation::fetch_json(url)?;
    serde_json::from_value(value).map_err(|e| RemoteError::Invalid(format!("{url} is not a collection: {e}")))
}

fn fetch_note(id: &str) -> Option<Note> {
    let value = federation::fetch_json(id).ok()?;
    serde_json::from_value(value).ok()
}
