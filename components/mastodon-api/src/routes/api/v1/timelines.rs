//! `/api/v1/timelines/{home,public,tag/:hashtag,list/:list_id}`.

use aerie_core::contract::paging::Page;
use aerie_core::filtering::Scope;
use aerie_core::store::lists;
use aerie_core::store::timelines::{self, PublicFilter};
use aerie_sdk::db::{Autocommit, Value};
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx};
use crate::load;

/// `GET /api/v1/timelines/home`: the viewer's own statuses and those of accounts they
/// follow (reblogs only where the follow shows them; replies only to people the
/// viewer knows), minus muted accounts. Read in up to three statements (see
/// [`home`](aerie_core::contract::home)) so that a page never walks the whole table.
pub fn home(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:statuses")?;
    let page = Page::from_query(&ctx.request.query);
    let rows = timelines::home(&Autocommit, viewer, settings::now_millis(), &page)?;
    load::page_answer_in(ctx, Some(viewer), page.finish(rows), Scope::Context("home"))
}

/// The filters public and tag timelines share: `local`, `remote`, `only_media`,
/// and for a signed-in viewer, muted accounts.
fn public_filter(ctx: &Ctx, viewer: Option<i64>) -> PublicFilter {
    PublicFilter {
        local: ctx.params.bool("local").unwrap_or(false),
        remote: ctx.params.bool("remote").unwrap_or(false),
        only_media: ctx.params.bool("only_media").unwrap_or(false),
        signed_in: viewer.is_some(),
    }
}

/// `GET /api/v1/timelines/public`: public statuses that are not replies to others.
pub fn public(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let condition = timelines::public(public_filter(ctx, viewer));
    load::status_page_in(ctx, viewer, "", &condition, vec![Value::Int64(settings::now_millis())], "s.id", Scope::Context("public"))
}

/// `GET /api/v1/timelines/tag/:hashtag`: public statuses with the tag (`any[]` adds
/// more tags that also match, `none[]` excludes).
pub fn tag(ctx: &Ctx, hashtag: &str) -> Answer {
    let viewer = ctx.viewer.optional("read:statuses")?;
    let mut names = vec![aerie_sdk::params::percent_decode(hashtag).trim_start_matches('#').to_lowercase()];
    names.extend(ctx.params.all("any").iter().map(|t| t.trim_start_matches('#').to_lowercase()));
    let none: Vec<String> = ctx.params.all("none").iter().map(|t| t.trim_start_matches('#').to_lowercase()).collect();
    let mut params = vec![Value::Int64(settings::now_millis())];
    let condition = timelines::tagged(public_filter(ctx, viewer), &names, &none, &mut params);
    load::status_page_in(ctx, viewer, "", &condition, params, "s.id", Scope::Context("public"))
}

/// `GET /api/v1/timelines/list/:list_id`: statuses and reblogs of the list's members
/// that the owner may see, replies by the list's `replies_policy`, minus muted
/// accounts (see [`lists::timeline_condition`]); another account's list is a 404.
pub fn list(ctx: &Ctx, list_id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:lists")?;
    let list = super::lists::owned(viewer, list_id)?;
    let condition = lists::timeline_condition(&list.replies_policy);
    let params = vec![Value::Int64(settings::now_millis()), Value::Int64(list.id)];
    load::status_page_in(ctx, Some(viewer), "", &condition, params, "s.id", Scope::Context("home"))
}
