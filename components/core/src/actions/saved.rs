//! Bookmarks and pins: an account's own marks on statuses, with no counter,
//! notification or stream event (a pin by a remote account arrives as an `Add` to its
//! featured collection).

use aerie_sdk::db::{Autocommit, Error};
use aerie_sdk::settings;

use crate::store::{bookmarks, pins};

/// `account` bookmarks `status`.
pub fn bookmark(account: i64, status: i64) -> Result<(), Error> {
    bookmarks::insert(&Autocommit, settings::next_id(), account, status, settings::now_millis())
}

/// `account` removes its bookmark of `status`.
pub fn unbookmark(account: i64, status: i64) -> Result<(), Error> {
    bookmarks::delete(&Autocommit, account, status)
}

/// How many statuses `account` pinned (the API allows a few).
pub fn pinned(account: i64) -> Result<i64, Error> {
    pins::count(&Autocommit, account)
}

/// `account` pins `status`.
pub fn pin(account: i64, status: i64) -> Result<(), Error> {
    pins::insert(&Autocommit, settings::next_id(), account, status, settings::now_millis())
}

/// `account` unpins `status`.
pub fn unpin(account: i64, status: i64) -> Result<(), Error> {
    pins::delete(&Autocommit, account, status)
}
