//! Lists: a local account creates, renames, re-configures and deletes its lists and
//! puts accounts it follows in them or takes them out (API only; lists do not
//! federate). Members leave a list when the owner's follow of them ends, in
//! `store::follows::remove`, whichever action ends it.
//!
//! The rules Mastodon checks are here: a title is required, the replies policy is
//! one of [`REPLIES_POLICIES`], only followed accounts may be added, each once, and
//! another account's list does not exist.

use aerie_sdk::db::{self, Autocommit, Error};
use aerie_sdk::settings;

use crate::store::lists::{self, DEFAULT_REPLIES_POLICY, List, REPLIES_POLICIES};

/// Why a list change was refused; the API answers 404 or 422 with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such list of the owner's.
    NotFound,
    /// A validation failed, in Mastodon's words (`Title can't be blank`).
    Invalid(&'static str),
}

/// What a refused change returns alongside database errors.
pub type Outcome<T> = Result<Result<T, Refusal>, Error>;

/// The settings of a list as a client gives them; `None` keeps the current value
/// (or the default, for a new list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub title: Option<String>,
    pub replies_policy: Option<String>,
    pub exclusive: Option<bool>,
}

fn apply(list: &mut List, changes: Changes) -> Result<(), Refusal> {
    if let Some(title) = changes.title {
        list.title = title.trim().to_string();
    }
    if list.title.is_empty() {
        return Err(Refusal::Invalid("Title can't be blank"));
    }
    if let Some(policy) = changes.replies_policy {
        if !REPLIES_POLICIES.contains(&policy.as_str()) {
            return Err(Refusal::Invalid("Replies policy is not included in the list"));
        }
        list.replies_policy = policy;
    }
    if let Some(exclusive) = changes.exclusive {
        list.exclusive = exclusive;
    }
    Ok(())
}

/// `owner` creates a list.
pub fn create(owner: i64, changes: Changes) -> Outcome<List> {
    let mut list = List {
        id: settings::next_id(),
        account_id: owner,
        title: String::new(),
        replies_policy: DEFAULT_REPLIES_POLICY.to_string(),
        exclusive: false,
        created_at: settings::now_millis(),
    };
    if let Err(refusal) = apply(&mut list, changes) {
        return Ok(Err(refusal));
    }
    lists::insert(&Autocommit, &list)?;
    Ok(Ok(list))
}

/// `owner` changes its list `id`.
pub fn update(owner: i64, id: i64, changes: Changes) -> Outcome<List> {
    let Some(mut list) = lists::by_id(&Autocommit, owner, id)? else { return Ok(Err(Refusal::NotFound)) };
    if let Err(refusal) = apply(&mut list, changes) {
        return Ok(Err(refusal));
    }
    lists::update(&Autocommit, &list)?;
    Ok(Ok(list))
}

/// `owner` deletes its list `id` (and its members).
pub fn delete(owner: i64, id: i64) -> Outcome<()> {
    let tx = db::begin()?;
    let found = lists::delete(&tx, owner, id)?;
    tx.commit()?;
    Ok(if found { Ok(()) } else { Err(Refusal::NotFound) })
}

/// `owner` adds `accounts` to its list `id`: all or none, refused when one of them
/// is not followed by the owner or already on the list.
pub fn add_accounts(owner: i64, id: i64, accounts: &[i64]) -> Outcome<()> {
    let tx = db::begin()?;
    if lists::by_id(&tx, owner, id)?.is_none() {
        return Ok(Err(Refusal::NotFound));
    }
    let followed = lists::followed_among(&tx, owner, accounts)?;
    if accounts.iter().any(|a| !followed.contains(a)) {
        return Ok(Err(Refusal::Invalid("Account must be a followed account")));
    }
    let members = lists::member_ids(&tx, id, accounts)?;
    if !members.is_empty() || (1..accounts.len()).any(|i| accounts[..i].contains(&accounts[i])) {
        return Ok(Err(Refusal::Invalid("Account is already on the list")));
    }
    for &account in accounts {
        lists::add_member(&tx, id, account)?;
    }
    tx.commit()?;
    Ok(Ok(()))
}

/// `owner` takes `accounts` out of its list `id` (those not on it are ignored).
pub fn remove_accounts(owner: i64, id: i64, accounts: &[i64]) -> Outcome<()> {
    let tx = db::begin()?;
    if lists::by_id(&tx, owner, id)?.is_none() {
        return Ok(Err(Refusal::NotFound));
    }
    for &account in accounts {
        lists::remove_member(&tx, id, account)?;
    }
    tx.commit()?;
    Ok(Ok(()))
}
