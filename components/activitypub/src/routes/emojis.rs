//! `GET /emojis/ID`: a local custom emoji as an ActivityPub `Emoji`, the object the
//! `id` of Notes' `Emoji` tags names (as Mastodon serves it).

use aerie_core::activitystreams::AS_CONTEXT;
use aerie_core::custom_emoji;
use aerie_core::store::custom_emojis;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use serde_json::json;

use crate::ctx::{Answer, Ctx, activity_json, parse_id};

pub fn get(ctx: &Ctx, id: &str) -> Answer {
    let row = custom_emojis::local_by_id(&Autocommit, parse_id(id)?)?.ok_or_else(Response::not_found)?;
    let mut emoji = serde_json::to_value(custom_emoji::to_tag(&row, ctx.base())).unwrap_or_default();
    if let Some(object) = emoji.as_object_mut() {
        object.insert("@context".into(), json!([AS_CONTEXT, {"toot": "http://joinmastodon.org/ns#", "Emoji": "toot:Emoji"}]));
    }
    Ok(activity_json(&emoji))
}
