//! `/api/v1/timelines/{home,public,tag/:hashtag}`.

use aerie_core::model::home::{self, NOT_MUTED};
use aerie_core::model::paging::Page;
use aerie_core::rows::STATUS_COLUMNS;
use aerie_sdk::db::{self, Value};
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx};
use crate::load;

/// `GET /api/v1/timelines/home`: the viewer's own statuses and those of accounts they
/// follow (reblogs only where the follow shows them; replies only to people the
/// viewer knows), minus muted accounts. Read in up to three statements (see
/// [`home`](aerie_core::model::home)) so that a page never walks the whole table.
pub fn home(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:statuses")?;
    let page = Page::from_query(&ctx.request.query);
    let mut params = vec![Value::Int64(viewer), Value::Int64(settings::now_millis())];
    params.extend(home::bounds(&page).1.into_iter().map(Value::Int64));
    let mut rows = load::paged_rows(&db::query(&home::window_sql(STATUS_COLUMNS, &page), &params)?);
    let missing = page.limit() as usize - rows.len().min(page.limit() as usize);
    if missing > 0 {
        let nearest = load::paged_rows(&db::query(&home::nearest_rest_sql(STATUS_COLUMNS, &page, missing as u32), &params)?);
        let rest = if nearest.len() == missing {
            nearest
        } else {
            load::paged_rows(&db::query(&home::rest_sql(STATUS_COLUMNS, &page, missing as u32), &params)?)
        };
        rows.extend(rest);
    }
    load::page_answer(ctx, Some(viewer), page.finish(rows))
}

/// The filters public and tag timelines share: `local`, `remote`, `only_media`,
/// and for a signed-in viewer, muted accounts.
fn public_condition(ctx: &Ctx, viewer: Option<i64>) -> String {
    let mut condition = String::from("s.visibility = 'public' AND s.reblog_of_id IS NULL");
    if ctx.params.bool("local").unwrap_or(false) {
        condition.push_str(" AND s.local = 1");
    } else if ctx.params.bool("remote").unwrap_or(false) {
        condition.push_str(" AND s.local = 0");
    }
    if ctx.params.bool("only_media").unwrap_or(false) {
        condition.push_str(" AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id)");
    }
    if viewer.is_some() {
        condition.push_str(" AND ");
        condition.push_str(NOT_MUTED);
    } else {
        condition.push_str(" AND $2 = $2");
    }
    condition
}

/// `GET /api/v1/timelines/public`: public statuses that are not replies to others.
pub fn public(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let condition = format!("{} AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)", public_condition(ctx, viewer));
    load::status_page(ctx, viewer, "", &condition, vec![Value::Int64(settings::now_millis())], "s.id")
}

/// `GET /api/v1/timelines/tag/:hashtag`: public statuses with the tag (`any[]` adds
/// more tags that also match, `none[]` excludes).
pub fn tag(ctx: &Ctx, hashtag: &str) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let mut names = vec![aerie_sdk::params::percent_decode(hashtag).trim_start_matches('#').to_lowercase()];
    names.extend(ctx.params.all("any").iter().map(|t| t.trim_start_matches('#').to_lowercase()));
    let none: Vec<String> = ctx.params.all("none").iter().map(|t| t.trim_start_matches('#').to_lowercase()).collect();
    let mut params = vec![Value::Int64(settings::now_millis())];
    let list = |values: &[String], params: &mut Vec<Value>| -> String {
        let start = params.len() + 2;
        params.extend(values.iter().map(|v| Value::Text(v.clone())));
        aerie_sdk::db::placeholders(start, values.len())
    };
    let any = list(&names, &mut params);
    let mut condition = format!(
        "{} AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND t.name IN ({any}))",
        public_condition(ctx, viewer)
    );
    if !none.is_empty() {
        let excluded = list(&none, &mut params);
        condition.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM status_tags xt JOIN tags x ON x.id = xt.tag_id WHERE xt.status_id = s.id AND x.name IN ({excluded}))"
        ));
    }
    load::status_page(ctx, viewer, "", &condition, params, "s.id")
}
