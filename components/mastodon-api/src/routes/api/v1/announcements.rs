//! `/api/v1/announcements`: what the operator announced (`aerie admin announcement
//! add`), as the viewer sees it: read or not, with the emoji reactions of users.
//! `POST /api/v1/announcements/:id/dismiss` marks one read; `PUT` and `DELETE
//! /api/v1/announcements/:id/reactions/:name` add and take back a reaction. An
//! announcement that has ended is a 404, as in Mastodon.

use std::collections::HashMap;

use aerie_core::actions::announcements::{self as actions, Refusal};
use aerie_core::compose::{self, render};
use aerie_core::convert::tag_url;
use aerie_core::store::announcements::{self, Announcement, Reaction};
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use serde::Serialize;

use crate::ctx::{Answer, Ctx, invalid};

/// Mastodon's Announcement entity.
#[derive(Serialize)]
struct Entity {
    id: String,
    content: String,
    starts_at: Option<String>,
    ends_at: Option<String>,
    all_day: bool,
    published_at: String,
    updated_at: String,
    read: bool,
    mentions: Vec<MentionEntity>,
    statuses: Vec<serde_json::Value>,
    tags: Vec<TagEntity>,
    emojis: Vec<serde_json::Value>,
    reactions: Vec<ReactionEntity>,
}

#[derive(Serialize)]
struct MentionEntity {
    id: String,
    username: String,
    url: String,
    acct: String,
}

#[derive(Serialize)]
struct TagEntity {
    name: String,
    url: String,
}

/// A unicode emoji reaction (custom ones would add `url` and `static_url`).
#[derive(Serialize)]
struct ReactionEntity {
    name: String,
    count: i64,
    me: bool,
}

/// Any user token opens the list, as in Mastodon (it asks for no particular scope).
fn user(ctx: &Ctx) -> Result<i64, Response> {
    if ctx.viewer.scopes.is_none() {
        return Err(aerie_sdk::auth::token_invalid());
    }
    ctx.viewer.account_id.ok_or_else(aerie_sdk::auth::user_required)
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotFound => Response::not_found(),
        Refusal::Invalid(message) => invalid(message),
    }
}

/// The announcement as the viewer sees it: its text rendered as a status is, with
/// the local accounts it mentions and its hashtags.
fn to_api(a: &Announcement, read: bool, reactions: Vec<ReactionEntity>, instance: &compose::Instance) -> Result<Entity, Response> {
    let accounts = render::mentionable_accounts(&a.text, &instance.domain)?;
    let rendered = render::render(&a.text, &accounts, &instance.domain, &instance.base);
    let mentions = rendered
        .mentions
        .iter()
        .filter_map(|id| accounts.iter().find(|acc| acc.id == *id))
        .map(|acc| MentionEntity {
            id: acc.id.to_string(),
            username: acc.username.clone(),
            url: acc.url.clone().or_else(|| acc.uri.clone()).unwrap_or_default(),
            acct: match &acc.domain {
                Some(domain) => format!("{}@{domain}", acc.username),
                None => acc.username.clone(),
            },
        })
        .collect();
    let tags = rendered.tags.iter().map(|t| TagEntity { name: t.to_lowercase(), url: tag_url(&instance.base, t) }).collect();
    Ok(Entity {
        id: a.id.to_string(),
        content: rendered.html,
        starts_at: a.starts_at.map(iso8601),
        ends_at: a.ends_at.map(iso8601),
        all_day: a.all_day,
        published_at: iso8601(a.published_at),
        updated_at: iso8601(a.updated_at),
        read,
        mentions,
        statuses: Vec::new(),
        tags,
        emojis: Vec::new(),
        reactions,
    })
}

/// `GET /api/v1/announcements`: those shown now, oldest first, read ones included
/// (with `read: true`), as Mastodon 4.3 answers.
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = user(ctx)?;
    let now = aerie_sdk::settings::now_millis();
    let shown = announcements::shown(&Autocommit, now)?;
    let ids: Vec<i64> = shown.iter().map(|a| a.id).collect();
    let read = announcements::read_among(&Autocommit, viewer, &ids)?;
    let mut reactions: HashMap<i64, Vec<ReactionEntity>> = HashMap::new();
    for Reaction { announcement_id, name, count, me } in announcements::reactions(&Autocommit, viewer, &ids)? {
        reactions.entry(announcement_id).or_default().push(ReactionEntity { name, count, me });
    }
    let instance = compose::instance()?;
    let mut out = Vec::with_capacity(shown.len());
    for a in &shown {
        out.push(to_api(a, read.contains(&a.id), reactions.remove(&a.id).unwrap_or_default(), &instance)?);
    }
    Ok(Response::to_json(200, &out))
}

/// `POST /api/v1/announcements/:id/dismiss`
pub fn dismiss(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    actions::dismiss(viewer, id)?.map_err(refused)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `PUT /api/v1/announcements/:id/reactions/:name` (the name percent-encoded).
pub fn react(ctx: &Ctx, id: i64, name: &str) -> Answer {
    let viewer = ctx.viewer.user("write:favourites")?;
    actions::react(viewer, id, &aerie_sdk::params::percent_decode(name))?.map_err(refused)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `DELETE /api/v1/announcements/:id/reactions/:name`
pub fn unreact(ctx: &Ctx, id: i64, name: &str) -> Answer {
    let viewer = ctx.viewer.user("write:favourites")?;
    actions::unreact(viewer, id, &aerie_sdk::params::percent_decode(name))?.map_err(refused)?;
    Ok(Response::json(200, &serde_json::json!({})))
}
