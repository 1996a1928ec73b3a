//! Avatars and headers of local accounts: uploaded as the multipart `avatar` and
//! `header` files of `PATCH /api/v1/accounts/update_credentials`, removed by
//! `DELETE /api/v1/profile/avatar|header`.
//!
//! Only pictures (JPEG, PNG, GIF, WebP, recognised by their bytes), of at most
//! [`SIZE_LIMIT`], checked and stored the way media attachments are
//! ([`crate::uploads`]: metadata stripped, nothing re-encoded) under
//! `accounts/avatars/ID/TOKEN.EXT` (`headers/` for headers). The account row keeps the
//! key (`avatar_key`, `header_key`); the URL is made from it when the account is
//! rendered ([`aerie_core::convert::avatar_url`]) and the host serves the file at
//! `/system/accounts/...`. A replaced or removed picture's file is removed once the
//! row no longer names it.

use aerie_core::contract::blob_keys;
use aerie_core::rows::AccountRow;
use aerie_core::store::accounts::{self, Picture};
use aerie_media::Kind;
use aerie_sdk::db::{Autocommit, Transaction};
use aerie_sdk::http::Response;
use aerie_sdk::multipart;

use crate::ctx::Ctx;
use crate::uploads;

/// Largest avatar or header, in bytes: Mastodon's limit before 4.3 (it now takes
/// 8 MB, but shrinks avatars to 400×400 and headers to 1500×500). Files here are
/// served as uploaded, to every timeline that shows the account, so the smaller
/// limit stays.
pub const SIZE_LIMIT: usize = 2 << 20;

/// Which of the two pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Avatar,
    Header,
}

/// What a slot is called where.
struct Names {
    /// The multipart field, and the path segment of `DELETE /api/v1/profile/...`.
    field: &'static str,
    /// The attribute named in a 422.
    label: &'static str,
    /// Which account column keeps the key.
    picture: Picture,
    /// The blob store folder under `accounts/`.
    folder: blob_keys::Picture,
}

const AVATAR: Names = Names { field: "avatar", label: "Avatar", picture: Picture::Avatar, folder: blob_keys::Picture::Avatar };
const HEADER: Names = Names { field: "header", label: "Header", picture: Picture::Header, folder: blob_keys::Picture::Header };

impl Slot {
    const ALL: [Slot; 2] = [Slot::Avatar, Slot::Header];

    fn names(self) -> &'static Names {
        match self {
            Slot::Avatar => &AVATAR,
            Slot::Header => &HEADER,
        }
    }

    /// The slot a `DELETE /api/v1/profile/SEGMENT` names.
    pub fn from_segment(segment: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|slot| slot.names().field == segment)
    }

    /// The key `account` has in this slot.
    fn key(self, account: &mut AccountRow) -> &mut Option<String> {
        match self {
            Slot::Avatar => &mut account.avatar_key,
            Slot::Header => &mut account.header_key,
        }
    }
}

/// A picture checked and stored, not yet named by the account row.
#[derive(Debug)]
pub struct Stored {
    slot: Slot,
    key: String,
}

/// Checks the `avatar` and `header` files of a multipart request (an empty part, as a
/// form sends for a file not chosen, counts as none) and stores them for `account_id`.
/// Both are checked before either is stored, so a refused header leaves nothing behind.
pub fn store_uploads(ctx: &Ctx, account_id: i64) -> Result<Vec<Stored>, Response> {
    let Some(boundary) = multipart::boundary(ctx.request.header("content-type").unwrap_or("")) else { return Ok(Vec::new()) };
    let parts = multipart::parts(&ctx.request.body, boundary);
    let mut checked = Vec::new();
    for slot in Slot::ALL {
        let Names { field, label, .. } = slot.names();
        // The last part of a name wins, as for text parameters.
        let Some(part) = parts.iter().rev().find(|p| p.name == *field && !p.data.is_empty()) else { continue };
        let format = uploads::recognise(label, part, &[Kind::Image])?;
        uploads::check_size(label, part, SIZE_LIMIT)?;
        // Only for its checks (a readable picture within the pixel limit): the
        // dimensions and blurhash are not kept.
        uploads::measure(label, part, &format)?;
        checked.push((slot, part, format));
    }
    let mut stored = Vec::new();
    for (slot, part, format) in checked {
        let key = blob_keys::account_picture(slot.names().folder, account_id, &uploads::token(), format.extension);
        if let Err(response) = uploads::store(&key, part, &format) {
            discard(&stored);
            return Err(response);
        }
        stored.push(Stored { slot, key });
    }
    Ok(stored)
}

/// Points `account_id`'s row at the `stored` files, inside the caller's transaction.
pub fn assign(tx: &Transaction, account_id: i64, stored: &[Stored]) -> Result<(), Response> {
    for file in stored {
        accounts::set_picture(tx, account_id, file.slot.names().picture, &file.key)?;
    }
    Ok(())
}

/// Removes the files of uploads that were not assigned (the transaction failed).
pub fn discard(stored: &[Stored]) {
    for file in stored {
        uploads::remove(&file.key);
    }
}

/// After the transaction that [`assign`]ed `stored` committed: `account` shows the new
/// files, and the ones they replaced are removed.
pub fn assigned(account: &mut AccountRow, stored: Vec<Stored>) {
    for file in stored {
        if let Some(old) = file.slot.key(account).replace(file.key) {
            uploads::remove(&old);
        }
    }
}

/// Removes `account`'s picture in `slot` (nothing to do without one); `now` is the
/// profile's new `updated_at`. Whether there was one to remove.
pub fn remove(account: &mut AccountRow, slot: Slot, now: i64) -> Result<bool, Response> {
    let Some(old) = slot.key(account).clone() else { return Ok(false) };
    // Only if the row still names this file: a concurrent upload's file is left alone.
    accounts::clear_picture(&Autocommit, account.id, slot.names().picture, &old, now)?;
    *slot.key(account) = None;
    account.updated_at = now;
    uploads::remove(&old);
    Ok(true)
}
