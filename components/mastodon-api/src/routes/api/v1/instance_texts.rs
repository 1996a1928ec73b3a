//! `/api/v1/instance/*` beyond the instance entity: the operator's texts
//! (`extended_description`, `privacy_policy`, `terms_of_service`, set in aerie.toml's
//! `[instance]` and rendered as status text is), the languages statuses may be
//! written in and the translation languages (none: no translation service). Anyone
//! may read them.
//!
//! As in Mastodon, the extended description is always answered (empty when unset)
//! and unset terms of service are a 404; an unset privacy policy is a 404 too, as
//! aerie has no default policy to stand in for the operator's.

use aerie_core::store::instance_texts::{self, EXTENDED_DESCRIPTION, PRIVACY_POLICY, TERMS_OF_SERVICE, Text};
use aerie_core::time::{date, iso8601};
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use serde_json::json;

use super::languages::LANGUAGES;
use crate::ctx::{Answer, Ctx};

/// The operator's text as HTML: paragraphs, links and hashtags as in a status.
fn html(ctx: &Ctx, text: &Text) -> String {
    aerie_core::text::render(&text.text, &|_| None, &|name| aerie_core::convert::tag_url(&ctx.base, name))
}

/// `GET /api/v1/instance/extended_description`
pub fn extended_description(ctx: &Ctx) -> Answer {
    let answer = match instance_texts::get(&Autocommit, EXTENDED_DESCRIPTION)? {
        Some(text) => json!({ "updated_at": iso8601(text.updated_at), "content": html(ctx, &text) }),
        None => json!({ "updated_at": iso8601(aerie_sdk::settings::now_millis()), "content": "" }),
    };
    Ok(Response::json(200, &answer))
}

/// `GET /api/v1/instance/privacy_policy`
pub fn privacy_policy(ctx: &Ctx) -> Answer {
    let text = instance_texts::get(&Autocommit, PRIVACY_POLICY)?.ok_or_else(Response::not_found)?;
    Ok(Response::json(200, &json!({ "updated_at": iso8601(text.updated_at), "content": html(ctx, &text) })))
}

/// `GET /api/v1/instance/terms_of_service`: the terms in force since they were set.
pub fn terms_of_service(ctx: &Ctx) -> Answer {
    let text = instance_texts::get(&Autocommit, TERMS_OF_SERVICE)?.ok_or_else(Response::not_found)?;
    Ok(Response::json(
        200,
        &json!({
            "effective_date": date(text.updated_at),
            "effective": true,
            "content": html(ctx, &text),
            "succeeded_by": null,
        }),
    ))
}

/// `GET /api/v1/instance/languages`
pub fn languages() -> Answer {
    let all: Vec<_> = LANGUAGES.iter().map(|(code, name)| json!({ "code": code, "name": name })).collect();
    Ok(Response::json(200, &serde_json::Value::Array(all)))
}

/// `GET /api/v1/instance/translation_languages`: `{}`, no translation service.
pub fn translation_languages() -> Answer {
    Ok(Response::json(200, &json!({})))
}
