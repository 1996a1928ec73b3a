//! `/api/v2/filters`: filters v2 (a title, contexts, an action, an expiry, keywords
//! and statuses), with the `keywords` and `statuses` sub-resources. Another account's
//! filter, keyword or status is a 404.

use aerie_core::actions::filters::{self as actions, KeywordChange};
use aerie_core::filtering::{self, ACTIONS, CONTEXTS};
use aerie_core::store::filters::{self, FilterRow, FullFilter};
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::params::{Params, truthy};
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, invalid};
use crate::load;

/// `context[]` as given: `None` when absent, an error when empty or not all known.
pub(crate) fn context_param(params: &Params) -> Result<Option<Vec<String>>, Response> {
    if !params.has("context[]") && !params.has("context") {
        return Ok(None);
    }
    let mut context: Vec<String> = Vec::new();
    for value in params.all("context").into_iter().filter(|c| !c.is_empty()) {
        if !CONTEXTS.contains(&value) {
            return Err(invalid("Context None or invalid context supplied"));
        }
        if !context.iter().any(|c| c == value) {
            context.push(value.to_string());
        }
    }
    if context.is_empty() {
        return Err(invalid("Context can't be blank"));
    }
    Ok(Some(context))
}

/// `expires_in` (seconds from now) as an expiry: `None` when absent, `Some(None)`
/// when blank (never expires).
pub(crate) fn expires_param(params: &Params) -> Result<Option<Option<i64>>, Response> {
    let Some(value) = params.get("expires_in") else { return Ok(None) };
    let value = value.trim();
    if value.is_empty() {
        return Ok(Some(None));
    }
    let seconds: i64 = value.parse().map_err(|_| invalid("Expires in is not a number"))?;
    Ok(Some(Some(settings::now_millis().saturating_add(seconds.saturating_mul(1000)))))
}

/// A title given (not blank), or the error.
pub(crate) fn title_param(value: Option<&str>, what: &str) -> Result<Option<String>, Response> {
    match value.map(str::trim) {
        None => Ok(None),
        Some("") => Err(invalid(&format!("{what} can't be blank"))),
        Some(title) => Ok(Some(title.to_string())),
    }
}

/// One entry of `keywords_attributes[]`.
#[derive(Debug, Default, Clone)]
struct KeywordAttributes {
    id: Option<String>,
    keyword: Option<String>,
    whole_word: Option<String>,
    destroy: Option<String>,
}

impl KeywordAttributes {
    fn field(&mut self, name: &str) -> Option<&mut Option<String>> {
        match name {
            "id" => Some(&mut self.id),
            "keyword" => Some(&mut self.keyword),
            "whole_word" => Some(&mut self.whole_word),
            "_destroy" => Some(&mut self.destroy),
            _ => None,
        }
    }
}

/// `keywords_attributes` as Rails reads it: `keywords_attributes[][keyword]` (a
/// repeated field starts the next entry) or indexed, `keywords_attributes[0][keyword]`
/// (what a JSON array of objects becomes).
fn keywords_attributes(params: &Params) -> Vec<KeywordAttributes> {
    let mut entries: Vec<(Option<String>, KeywordAttributes)> = Vec::new();
    for (name, value) in params.pairs() {
        let Some(rest) = name.strip_prefix("keywords_attributes[") else { continue };
        let Some((index, field)) = rest.split_once("][") else { continue };
        let field = field.trim_end_matches(']');
        let slot = if index.is_empty() {
            let starts_new = entries.last_mut().is_none_or(|(i, e)| i.is_some() || e.field(field).is_some_and(|f| f.is_some()));
            if starts_new {
                entries.push((None, KeywordAttributes::default()));
            }
            entries.len() - 1
        } else {
            match entries.iter().position(|(i, _)| i.as_deref() == Some(index)) {
                Some(at) => at,
                None => {
                    entries.push((Some(index.to_string()), KeywordAttributes::default()));
                    entries.len() - 1
                }
            }
        };
        if let Some(target) = entries[slot].1.field(field) {
            *target = Some(value.clone());
        }
    }
    entries.into_iter().map(|(_, e)| e).collect()
}

fn keyword_text(value: Option<&str>) -> Result<String, Response> {
    match value.map(str::trim) {
        Some(keyword) if !keyword.is_empty() => Ok(keyword.to_string()),
        _ => Err(invalid("Keywords keyword can't be blank")),
    }
}

fn action_param(value: Option<&str>) -> Result<Option<String>, Response> {
    match value {
        None => Ok(None),
        Some(action) if ACTIONS.contains(&action) => Ok(Some(action.to_string())),
        Some(_) => Err(invalid("Filter action is not included in the list")),
    }
}

fn filter_or_404(viewer: i64, id: i64) -> Result<FullFilter, Response> {
    filters::by_id(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)
}

/// `GET /api/v2/filters`
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:filters")?;
    let all: Vec<_> = filters::of_account(&Autocommit, viewer)?.iter().map(filtering::full_filter_to_api).collect();
    Ok(Response::to_json(200, &all))
}

/// `GET /api/v2/filters/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:filters")?;
    Ok(Response::to_json(200, &filtering::full_filter_to_api(&filter_or_404(viewer, id)?)))
}

/// `POST /api/v2/filters` with `title`, `context[]`, `filter_action` (default
/// `warn`), `expires_in` and `keywords_attributes[]`.
pub fn create(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    let p = &ctx.params;
    let title = title_param(p.get("title"), "Title")?.ok_or_else(|| invalid("Title can't be blank"))?;
    let context = context_param(p)?.ok_or_else(|| invalid("Context can't be blank"))?;
    let action = action_param(p.get("filter_action"))?.unwrap_or_else(|| "warn".to_string());
    let expires_at = expires_param(p)?.flatten();
    let mut keywords = Vec::new();
    for entry in keywords_attributes(p) {
        if entry.destroy.as_deref().is_some_and(truthy) {
            continue;
        }
        keywords.push((keyword_text(entry.keyword.as_deref())?, entry.whole_word.as_deref().is_none_or(truthy)));
    }
    let filter = FilterRow { id: 0, account_id: viewer, title, context, action, expires_at };
    let created = actions::create(filter, keywords)?;
    Ok(Response::to_json(200, &filtering::full_filter_to_api(&created)))
}

/// `PUT /api/v2/filters/:id`: what is given changes; `keywords_attributes[]` adds
/// (no `id`), changes (`id`) or removes (`id` and `_destroy`) keywords.
pub fn update(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    let current = filter_or_404(viewer, id)?;
    let p = &ctx.params;
    let mut filter = current.filter.clone();
    if let Some(title) = title_param(p.get("title"), "Title")? {
        filter.title = title;
    }
    if let Some(context) = context_param(p)? {
        filter.context = context;
    }
    if let Some(action) = action_param(p.get("filter_action"))? {
        filter.action = action;
    }
    if let Some(expires_at) = expires_param(p)? {
        filter.expires_at = expires_at;
    }
    let mut changes = Vec::new();
    for entry in keywords_attributes(p) {
        let whole_word = entry.whole_word.as_deref().map(truthy);
        let Some(keyword_id) = entry.id.as_deref().filter(|i| !i.is_empty()) else {
            if !entry.destroy.as_deref().is_some_and(truthy) {
                changes
                    .push(KeywordChange::Add { keyword: keyword_text(entry.keyword.as_deref())?, whole_word: whole_word.unwrap_or(true) });
            }
            continue;
        };
        let keyword_id: i64 = keyword_id.parse().map_err(|_| Response::not_found())?;
        if !current.keywords.iter().any(|k| k.id == keyword_id) {
            return Err(Response::not_found());
        }
        if entry.destroy.as_deref().is_some_and(truthy) {
            changes.push(KeywordChange::Remove { id: keyword_id });
        } else {
            let keyword = entry.keyword.as_deref().map(|k| keyword_text(Some(k))).transpose()?;
            changes.push(KeywordChange::Update { id: keyword_id, keyword, whole_word });
        }
    }
    let updated = actions::update(&filter, changes)?;
    Ok(Response::to_json(200, &filtering::full_filter_to_api(&updated)))
}

/// `DELETE /api/v2/filters/:id`
pub fn delete(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    if !actions::delete(viewer, id)? {
        return Err(Response::not_found());
    }
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `GET /api/v2/filters/:filter_id/keywords`
pub fn keywords(ctx: &Ctx, filter_id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:filters")?;
    let filter = filter_or_404(viewer, filter_id)?;
    let all: Vec<_> = filter.keywords.iter().map(filtering::keyword_to_api).collect();
    Ok(Response::to_json(200, &all))
}

/// `POST /api/v2/filters/:filter_id/keywords` with `keyword`, `whole_word`.
pub fn add_keyword(ctx: &Ctx, filter_id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    filter_or_404(viewer, filter_id)?;
    let keyword = title_param(ctx.params.get("keyword"), "Keyword")?.ok_or_else(|| invalid("Keyword can't be blank"))?;
    let row = actions::add_keyword(filter_id, keyword, ctx.params.bool("whole_word").unwrap_or(true))?;
    Ok(Response::to_json(200, &filtering::keyword_to_api(&row)))
}

/// `GET /api/v2/filters/keywords/:id`
pub fn keyword(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:filters")?;
    let row = filters::keyword_by_id(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &filtering::keyword_to_api(&row)))
}

/// `PUT /api/v2/filters/keywords/:id` with `keyword`, `whole_word`.
pub fn update_keyword(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    let mut row = filters::keyword_by_id(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)?;
    if let Some(keyword) = title_param(ctx.params.get("keyword"), "Keyword")? {
        row.keyword = keyword;
    }
    if let Some(whole_word) = ctx.params.bool("whole_word") {
        row.whole_word = whole_word;
    }
    actions::update_keyword(&row)?;
    Ok(Response::to_json(200, &filtering::keyword_to_api(&row)))
}

/// `DELETE /api/v2/filters/keywords/:id`
pub fn delete_keyword(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    let row = filters::keyword_by_id(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)?;
    actions::remove_keyword(&row)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `GET /api/v2/filters/:filter_id/statuses`
pub fn statuses(ctx: &Ctx, filter_id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:filters")?;
    let filter = filter_or_404(viewer, filter_id)?;
    let all: Vec<_> = filter.statuses.iter().map(filtering::filter_status_to_api).collect();
    Ok(Response::to_json(200, &all))
}

/// `POST /api/v2/filters/:filter_id/statuses` with `status_id` (a status the viewer
/// may see).
pub fn add_status(ctx: &Ctx, filter_id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    filter_or_404(viewer, filter_id)?;
    let status_id = ctx.params.i64("status_id").ok_or_else(|| invalid("Status can't be blank"))?;
    let status = load::visible_status(Some(viewer), status_id)?;
    let row = actions::add_status(filter_id, status.id)?.ok_or_else(|| invalid("Status has already been taken"))?;
    Ok(Response::to_json(200, &filtering::filter_status_to_api(&row)))
}

/// `GET /api/v2/filters/statuses/:id`
pub fn status(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:filters")?;
    let row = filters::status_by_id(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &filtering::filter_status_to_api(&row)))
}

/// `DELETE /api/v2/filters/statuses/:id`
pub fn delete_status(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:filters")?;
    let row = filters::status_by_id(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)?;
    actions::remove_status(&row)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", aerie_sdk::params::percent_encode(k), aerie_sdk::params::percent_encode(v)))
            .collect();
        Params::from_query(&query.join("&"))
    }

    #[test]
    fn keywords_attributes_as_rails_reads_them() {
        let form = params(&[
            ("keywords_attributes[][keyword]", "a"),
            ("keywords_attributes[][whole_word]", "false"),
            ("keywords_attributes[][keyword]", "b"),
            ("keywords_attributes[][id]", "7"),
            ("keywords_attributes[][_destroy]", "true"),
        ]);
        let read = keywords_attributes(&form);
        assert_eq!(read.len(), 2);
        assert_eq!((read[0].keyword.as_deref(), read[0].whole_word.as_deref()), (Some("a"), Some("false")));
        assert_eq!((read[1].keyword.as_deref(), read[1].id.as_deref(), read[1].destroy.as_deref()), (Some("b"), Some("7"), Some("true")));

        let indexed = params(&[
            ("keywords_attributes[0][keyword]", "x"),
            ("keywords_attributes[1][keyword]", "y"),
            ("keywords_attributes[0][whole_word]", "true"),
        ]);
        let read = keywords_attributes(&indexed);
        assert_eq!(read.len(), 2);
        assert_eq!((read[0].keyword.as_deref(), read[0].whole_word.as_deref()), (Some("x"), Some("true")));
        assert_eq!(read[1].keyword.as_deref(), Some("y"));
    }
}
