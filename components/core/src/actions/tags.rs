//! Hashtags a local account follows or features, and accounts it endorses (API
//! only: none of these federate as activities; featured hashtags are served as the
//! actor's `featuredTags` collection).
//!
//! The rules Mastodon checks are here: a hashtag name must be one statuses can
//! carry, at most [`MAX_PER_ACCOUNT`] hashtags are featured, each once, and only a
//! followed account can be endorsed.

use aerie_sdk::db::{self, Autocommit, Error};
use aerie_sdk::settings;

use crate::store::featured_tags::{self, FeaturedTag, MAX_PER_ACCOUNT};
use crate::store::tags::{self, TagRow};
use crate::store::{endorsements, followed_tags};

/// Why a change was refused; the API answers 404 or 422 with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such hashtag or featured hashtag.
    NotFound,
    /// A validation failed, in Mastodon's words.
    Invalid(&'static str),
}

/// What a refused change returns alongside database errors.
pub type Outcome<T> = Result<Result<T, Refusal>, Error>;

/// The hashtag `name` (a leading `#` ignored), created when unknown; an invalid name
/// is refused.
fn tag_named(db: &impl db::Handle, name: &str) -> Outcome<TagRow> {
    let name = name.trim().trim_start_matches('#');
    if !tags::valid_name(name) {
        return Ok(Err(Refusal::Invalid("Name is invalid")));
    }
    Ok(Ok(tags::find_or_create(db, name, settings::now_millis())?))
}

/// `account` follows hashtag `name` (created when unknown).
pub fn follow(account: i64, name: &str) -> Outcome<TagRow> {
    let tag = match tag_named(&Autocommit, name)? {
        Ok(tag) => tag,
        Err(refusal) => return Ok(Err(refusal)),
    };
    followed_tags::follow(&Autocommit, settings::next_id(), account, tag.id, settings::now_millis())?;
    Ok(Ok(tag))
}

/// `account` stops following hashtag `name`; an unknown hashtag is not found.
pub fn unfollow(account: i64, name: &str) -> Outcome<TagRow> {
    let Some(tag) = tags::by_name(&Autocommit, name.trim().trim_start_matches('#'))? else { return Ok(Err(Refusal::NotFound)) };
    followed_tags::unfollow(&Autocommit, account, tag.id)?;
    Ok(Ok(tag))
}

/// `account` features hashtag `name` on its profile: refused past the limit or when
/// it is featured already.
pub fn feature(account: i64, name: &str) -> Outcome<FeaturedTag> {
    let tx = db::begin()?;
    let tag = match tag_named(&tx, name)? {
        Ok(tag) => tag,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let current = featured_tags::of_account(&tx, account)?;
    if current.iter().any(|f| f.tag_id == tag.id) {
        return Ok(Err(Refusal::Invalid("Tag has already been taken")));
    }
    if current.len() >= MAX_PER_ACCOUNT {
        return Ok(Err(Refusal::Invalid("You can't feature more than 10 hashtags")));
    }
    let id = settings::next_id();
    featured_tags::insert(&tx, id, account, tag.id, settings::now_millis())?;
    let featured = featured_tags::by_id(&tx, account, id)?;
    tx.commit()?;
    Ok(featured.ok_or(Refusal::NotFound))
}

/// `account` stops featuring its featured hashtag `id`.
pub fn unfeature(account: i64, id: i64) -> Outcome<()> {
    Ok(if featured_tags::delete(&Autocommit, account, id)? { Ok(()) } else { Err(Refusal::NotFound) })
}

/// `account` endorses `target`, which it must follow.
pub fn endorse(account: i64, target: i64) -> Outcome<()> {
    let endorsed = endorsements::endorse(&Autocommit, settings::next_id(), account, target, settings::now_millis())?;
    Ok(if endorsed { Ok(()) } else { Err(Refusal::Invalid("You must be already following the person you want to endorse")) })
}

/// `account` no longer endorses `target`.
pub fn unendorse(account: i64, target: i64) -> Result<(), Error> {
    endorsements::remove(&Autocommit, account, target)
}
