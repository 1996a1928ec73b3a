//! `POST /api/v1/accounts/:id/note` with `comment`: the viewer's private note on an
//! account, shown as `Relationship.note`. Kept in the component's key-value store
//! under [`relationships::note_key`] (there is no table for it); an empty comment removes it.

use aerie_sdk::http::Response;
use aerie_sdk::kv;

use crate::ctx::{Answer, Ctx, invalid};
use crate::{load, relationships};

/// Longest note, as Mastodon.
const MAX_NOTE: usize = 2000;

pub fn save(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    load::account_or_404(id)?;
    let comment = ctx.params.get("comment").unwrap_or("").trim();
    if comment.chars().count() > MAX_NOTE {
        return Err(invalid(&format!("Comment is too long (maximum is {MAX_NOTE} characters)")));
    }
    let stored = if comment.is_empty() {
        kv::delete(&relationships::note_key(viewer, id)).map(|_| ())
    } else {
        kv::set(&relationships::note_key(viewer, id), comment.as_bytes(), None)
    };
    stored.map_err(|error| {
        aerie_sdk::log::warn(&format!("saving an account note: {error}"));
        Response::error(503, "The note could not be saved, try again shortly")
    })?;
    relationships::one(viewer, id)
}
