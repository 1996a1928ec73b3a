//! `/api/v1/filters`: v1 filters, each one keyword of a v2 filter as Mastodon maps
//! them (the id is the keyword's; `context` and `expires_at` are the filter's;
//! `irreversible` is the `hide` action). Another account's filter is a 404.

use aerie_core::actions::filters as actions;
use aerie_core::filtering;
use aerie_core::store::filters::{self, FilterRow, KeywordRow};
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx, invalid};
use crate::routes::api::v2::filters::{context_param, expires_param, title_param};

fn action(irreversible: bool) -> String {
    if irreversible { "hide" } else { "warn" }.to_string()
}

/// `account`'s keyword `id` with its filter, or a 404.
fn v1_or_404(account: i64, id: i64) -> Result<(FilterRow, KeywordRow), Response> {
    let keyword = filters::keyword_by_id(&Autocommit, account, id)?.ok_or_else(Response::not_found)?;
    let filter = filters::by_id(&Autocommit, account, keyword.filter_id)?.ok_or_else(Response::not_found)?;
    Ok((filter.filter, keyword))
}

/// `GET /api/v1/filters`: every keyword of every filter.
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:filters")?;
    let all: Vec<_> = filters::of_account(&Autocommit, viewer)?
        .iter()
        .flat_map(|f| f.keywords.iter().map(|k| filtering::keyword_to_v1(&f.filter, k)).collect::<Vec<_>>())
        .collect();
    Ok(Response::to_json(200, &all))
}

/// `GET /api/v1/filters/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:filters")?;
    let (filter, keyword) = v1_or_404(viewer, id)?;
    Ok(Response::to_json(200, &filtering::keyword_to_v1(&filter, &keyword)))
}

/// `POST /api/v1/filters` with `phrase`, `context[]`, `irreversible` (default false),
/// `whole_word` (default true), `expires_in`.
pub fn create(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    let p = &ctx.params;
    let phrase = title_param(p.get("phrase"), "Phrase")?.ok_or_else(|| invalid("Phrase can't be blank"))?;
    let context = context_param(p)?.ok_or_else(|| invalid("Context can't be blank"))?;
    let filter = FilterRow {
        id: 0,
        account_id: viewer,
        title: phrase.clone(),
        context,
        action: action(p.bool("irreversible").unwrap_or(false)),
        expires_at: expires_param(p)?.flatten(),
    };
    let (filter, keyword) = actions::create_v1(filter, phrase, p.bool("whole_word").unwrap_or(true))?;
    Ok(Response::to_json(200, &filtering::keyword_to_v1(&filter, &keyword)))
}

/// `PUT /api/v1/filters/:id`: what is given changes (the phrase is also the title
/// of a filter with no other keyword).
pub fn update(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    let (mut filter, mut keyword) = v1_or_404(viewer, id)?;
    let p = &ctx.params;
    if let Some(phrase) = title_param(p.get("phrase"), "Phrase")? {
        if filter.title == keyword.keyword {
            filter.title = phrase.clone();
        }
        keyword.keyword = phrase;
    }
    if let Some(whole_word) = p.bool("whole_word") {
        keyword.whole_word = whole_word;
    }
    if let Some(context) = context_param(p)? {
        filter.context = context;
    }
    if let Some(irreversible) = p.bool("irreversible") {
        filter.action = action(irreversible);
    }
    if let Some(expires_at) = expires_param(p)? {
        filter.expires_at = expires_at;
    }
    actions::update_v1(&filter, &keyword)?;
    Ok(Response::to_json(200, &filtering::keyword_to_v1(&filter, &keyword)))
}

/// `DELETE /api/v1/filters/:id`: the keyword, and its filter when it was the last rule.
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    let (_, keyword) = v1_or_404(viewer, id)?;
    actions::delete_v1(viewer, &keyword)?;
    Ok(Response::json(200, &serde_json::json!({})))
}
