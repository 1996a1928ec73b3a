//! Accounts that end: a remote actor's `Delete` of itself.

use aerie_sdk::db::{self, Error};
use aerie_sdk::settings;

use crate::store::{accounts, follows, notifications, statuses};

/// Remote account `account` deleted itself: it is marked deleted, its statuses go,
/// its follows both ways end (with their counters), its follow requests and the
/// notifications it caused are dropped, in one transaction.
pub fn delete_remote(account: i64) -> Result<(), Error> {
    let now = settings::now_millis();
    let pairs = follows::pairs_of(&db::Autocommit, account)?;
    let tx = db::begin()?;
    accounts::mark_deleted(&tx, account, now)?;
    for (follower, target) in pairs {
        follows::remove(&tx, follower, target)?;
    }
    follows::delete_requests_of(&tx, account)?;
    statuses::delete_all_of(&tx, account, now)?;
    notifications::delete_from(&tx, account)?;
    tx.commit()
}
