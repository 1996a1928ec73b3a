//! Notification requests (Mastodon 4.3): accepting one lets the sender's waiting
//! notifications into the list (a direct mention also joins the recipient's
//! conversation) and lets their later ones pass the policy; dismissing one drops
//! them. And the policy itself.

use aerie_sdk::db::{self, Error};
use aerie_sdk::settings;

use crate::actions::conversations::{self, Joined};
use crate::store;
use crate::store::notification_requests::{self as requests, Policy};

/// Stores `account`'s notification policy.
pub fn set_policy(account: i64, policy: &Policy) -> Result<(), Error> {
    requests::save_policy(&db::Autocommit, account, policy, settings::now_millis())
}

/// Accepts `account`'s requests `ids` (others' ids and unknown ones are skipped).
pub fn accept(account: i64, ids: &[i64]) -> Result<(), Error> {
    let now = settings::now_millis();
    let mut joined: Vec<Joined> = Vec::new();
    let tx = db::begin()?;
    for id in ids {
        let Some(request) = requests::request(&tx, account, *id)? else { continue };
        for (_, status) in requests::filtered_mentions(&tx, account, request.from_account_id)? {
            let Some(row) = store::statuses::by_id(&tx, status)? else { continue };
            let mentioned = store::mentions::account_ids_of(&tx, status, false)?;
            joined.extend(conversations::join(&tx, &row, &mentioned, &[account], false, now)?);
        }
        requests::accept(&tx, account, request.from_account_id, now)?;
    }
    tx.commit()?;
    conversations::publish(&joined);
    Ok(())
}

/// Dismisses `account`'s requests `ids` (others' ids and unknown ones are skipped).
pub fn dismiss(account: i64, ids: &[i64]) -> Result<(), Error> {
    let tx = db::begin()?;
    for id in ids {
        if let Some(request) = requests::request(&tx, account, *id)? {
            requests::dismiss(&tx, account, request.from_account_id)?;
        }
    }
    tx.commit()
}
