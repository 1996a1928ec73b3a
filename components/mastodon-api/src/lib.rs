//! The Mastodon client API as a `wasi:http` component.
//!
//! The host routes `/api/*`, `/.well-known/nodeinfo`, `/nodeinfo/*`, the default pictures
//! `/avatars/original/missing.png` and `/headers/original/missing.png` and the HTML pages `/@*` here (see the
//! built-in manifest in `host/src/manifest.rs`), with the authenticated account,
//! scopes and app in host-set headers (`aerie_sdk::auth`). Files under `routes/`
//! mirror URLs; handlers are thin (authenticate, parse, one operation, serialize)
//! over the shared operations: `load` (batch reads under the one visibility rule),
//! `compose` (writing statuses), `relationships`, `uploads` (files checked and
//! stored) and `profile_images` (avatars and headers). The fediverse domain they
//! share with the inbox (rows, entities, notifications, follows, stream audiences)
//! is `aerie_core`.

mod compose;
mod ctx;
mod federate;
mod instance_info;
mod links;
mod load;
mod polls;
mod profile_images;
mod relationships;
mod routes;
mod status_emojis;
mod uploads;

use aerie_sdk::http::{Request, Response};

use ctx::{Answer, Ctx, parse_id};
use routes::api::v1::{
    accounts, blocks, bookmarks, conversations, domain_blocks, follow_requests, instance, lists, markers, notification_requests,
    notifications, polls as poll_routes, preferences, statuses, timelines,
};

#[aerie_sdk::http_component]
fn route(request: Request) -> Response {
    let path = request.path.trim_end_matches('/');
    let method = if request.method == "HEAD" { "GET" } else { request.method.as_str() };
    match (method, path) {
        ("GET", "/api/v1/instance") => return routes::api::v1::instance::get(&request),
        ("GET", "/api/v2/instance") => return routes::api::v2::instance::get(&request),
        ("GET", "/.well-known/nodeinfo") => return routes::nodeinfo::discovery(&request),
        ("GET", "/nodeinfo/2.1") => return routes::nodeinfo::document(&request, "2.1"),
        ("GET", "/nodeinfo/2.0") => return routes::nodeinfo::document(&request, "2.0"),
        ("GET", "/avatars/original/missing.png") => return routes::missing::avatar(),
        ("GET", "/headers/original/missing.png") => return routes::missing::header(),
        ("GET", _) if path.starts_with("/@") => return routes::web::page(&request, &path[2..]),
        _ => {}
    }
    let ctx = Ctx::new(&request);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let answer = match segments.as_slice() {
        ["api", "v1", rest @ ..] => api_v1(&ctx, method, rest),
        ["api", "v2", rest @ ..] => api_v2(&ctx, method, rest),
        _ => Err(Response::not_found()),
    };
    answer.unwrap_or_else(|error| error)
}

fn api_v1(ctx: &Ctx, method: &str, path: &[&str]) -> Answer {
    match (method, path) {
        ("GET", ["accounts"]) => accounts::batch::get(ctx),
        ("GET", ["accounts", "verify_credentials"]) => accounts::credentials::verify(ctx),
        ("PATCH" | "PUT", ["accounts", "update_credentials"]) => accounts::credentials::update(ctx),
        ("DELETE", ["profile", slot]) => {
            routes::api::v1::profile::delete(ctx, profile_images::Slot::from_segment(slot).ok_or_else(Response::not_found)?)
        }
        ("GET", ["accounts", "relationships"]) => accounts::relationships::get(ctx),
        ("GET", ["accounts", "lookup"]) => accounts::lookup(ctx),
        ("GET", ["accounts", "search"]) => accounts::search::search(ctx),
        ("GET", ["accounts", "familiar_followers"]) => accounts::familiar_followers::get(ctx),
        ("GET", ["accounts", id]) => accounts::get(ctx, parse_id(id)?),
        ("GET", ["accounts", id, "statuses"]) => accounts::statuses(ctx, parse_id(id)?),
        ("GET", ["accounts", id, "followers"]) => accounts::followers(ctx, parse_id(id)?),
        ("GET", ["accounts", id, "following"]) => accounts::following(ctx, parse_id(id)?),
        ("GET", ["accounts", id, "lists"]) => accounts::lists::get(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "follow"]) => accounts::follow::follow(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "unfollow"]) => accounts::follow::unfollow(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "block"]) => accounts::block::block(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "unblock"]) => accounts::block::unblock(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "mute"]) => accounts::mute::mute(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "unmute"]) => accounts::mute::unmute(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "note"]) => accounts::note::save(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "remove_from_followers"]) => accounts::follow::remove_from_followers(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "pin"]) => routes::api::v1::endorsements::pin(ctx, parse_id(id)?),
        ("POST", ["accounts", id, "unpin"]) => routes::api::v1::endorsements::unpin(ctx, parse_id(id)?),
        ("GET", ["accounts", id, "featured_tags"]) => routes::api::v1::featured_tags::of_account(ctx, parse_id(id)?),
        ("GET", ["endorsements"]) => routes::api::v1::endorsements::list(ctx),

        ("GET", ["tags", name]) => routes::api::v1::tags::get(ctx, name),
        ("POST", ["tags", name, "follow"]) => routes::api::v1::tags::follow(ctx, name),
        ("POST", ["tags", name, "unfollow"]) => routes::api::v1::tags::unfollow(ctx, name),
        ("GET", ["followed_tags"]) => routes::api::v1::tags::followed(ctx),
        ("GET", ["featured_tags"]) => routes::api::v1::featured_tags::list(ctx),
        ("POST", ["featured_tags"]) => routes::api::v1::featured_tags::create(ctx),
        ("GET", ["featured_tags", "suggestions"]) => routes::api::v1::featured_tags::suggestions(ctx),
        ("DELETE", ["featured_tags", id]) => routes::api::v1::featured_tags::delete(ctx, parse_id(id)?),

        ("GET", ["instance", "peers"]) => instance::peers(),
        ("GET", ["instance", "activity"]) => instance::activity(),
        ("GET", ["instance", "rules"]) => instance::rules(),
        ("GET", ["custom_emojis"]) => routes::api::v1::custom_emojis::list(ctx),
        ("GET", ["domain_blocks"]) => domain_blocks::list(ctx),
        ("POST", ["domain_blocks"]) => domain_blocks::block(ctx),
        ("DELETE", ["domain_blocks"]) => domain_blocks::unblock(ctx),

        ("GET", ["follow_requests"]) => follow_requests::list(ctx),
        ("POST", ["follow_requests", id, "authorize"]) => follow_requests::authorize(ctx, parse_id(id)?),
        ("POST", ["follow_requests", id, "reject"]) => follow_requests::reject(ctx, parse_id(id)?),
        ("GET", ["blocks"]) => blocks::blocks(ctx),
        ("GET", ["mutes"]) => blocks::mutes(ctx),
        ("GET", ["bookmarks"]) => bookmarks::bookmarks(ctx),
        ("GET", ["favourites"]) => bookmarks::favourites(ctx),
        ("GET", ["preferences"]) => preferences::get(ctx),
        ("POST", ["reports"]) => routes::api::v1::reports::create(ctx),
        ("GET", ["markers"]) => markers::get(ctx),
        ("GET", ["filters"]) => routes::api::v1::filters::list(ctx),
        ("POST", ["filters"]) => routes::api::v1::filters::create(ctx),
        ("GET", ["filters", id]) => routes::api::v1::filters::get(ctx, parse_id(id)?),
        ("PUT", ["filters", id]) => routes::api::v1::filters::update(ctx, parse_id(id)?),
        ("DELETE", ["filters", id]) => routes::api::v1::filters::delete(ctx, parse_id(id)?),
        ("POST", ["markers"]) => markers::save(ctx),

        ("GET", ["scheduled_statuses"]) => routes::api::v1::scheduled_statuses::list(ctx),
        ("GET", ["scheduled_statuses", id]) => routes::api::v1::scheduled_statuses::get(ctx, parse_id(id)?),
        ("PUT", ["scheduled_statuses", id]) => routes::api::v1::scheduled_statuses::update(ctx, parse_id(id)?),
        ("DELETE", ["scheduled_statuses", id]) => routes::api::v1::scheduled_statuses::delete(ctx, parse_id(id)?),

        ("POST", ["statuses"]) => statuses::create(ctx),
        ("GET", ["statuses"]) => statuses::get_many(ctx),
        ("GET", ["statuses", id]) => statuses::get(ctx, parse_id(id)?),
        ("DELETE", ["statuses", id]) => statuses::delete(ctx, parse_id(id)?),
        ("PUT", ["statuses", id]) => statuses::edits::update(ctx, parse_id(id)?),
        ("GET", ["statuses", id, "history"]) => statuses::edits::history(ctx, parse_id(id)?),
        ("GET", ["statuses", id, "source"]) => statuses::edits::source(ctx, parse_id(id)?),
        ("GET", ["statuses", id, "context"]) => statuses::context(ctx, parse_id(id)?),
        ("GET", ["statuses", id, "favourited_by"]) => statuses::by::favourited_by(ctx, parse_id(id)?),
        ("GET", ["statuses", id, "reblogged_by"]) => statuses::by::reblogged_by(ctx, parse_id(id)?),
        ("POST", ["statuses", id, action]) => {
            let id = parse_id(id)?;
            use statuses::actions as a;
            match *action {
                "reblog" => a::reblog(ctx, id),
                "unreblog" => a::unreblog(ctx, id),
                "favourite" => a::favourite(ctx, id),
                "unfavourite" => a::unfavourite(ctx, id),
                "bookmark" => a::bookmark(ctx, id),
                "unbookmark" => a::unbookmark(ctx, id),
                "pin" => a::pin(ctx, id),
                "unpin" => a::unpin(ctx, id),
                "mute" => statuses::mute::mute(ctx, id),
                "unmute" => statuses::mute::unmute(ctx, id),
                "translate" => statuses::translate::translate(ctx, id),
                _ => Err(Response::not_found()),
            }
        }

        ("POST", ["media"]) => routes::api::v1::media::create(ctx),
        ("GET", ["media", id]) => routes::api::v1::media::get(ctx, parse_id(id)?),
        ("PUT", ["media", id]) => routes::api::v1::media::update(ctx, parse_id(id)?),
        ("DELETE", ["media", id]) => routes::api::v1::media::delete(ctx, parse_id(id)?),

        ("GET", ["polls", id]) => poll_routes::get(ctx, parse_id(id)?),
        ("POST", ["polls", id, "votes"]) => poll_routes::vote(ctx, parse_id(id)?),

        ("GET", ["timelines", "home"]) => timelines::home(ctx),
        ("GET", ["timelines", "public"]) => timelines::public(ctx),
        ("GET", ["timelines", "link"]) => routes::api::v1::link_timeline::get(ctx),
        ("GET", ["timelines", "tag", hashtag]) => timelines::tag(ctx, hashtag),
        ("GET", ["timelines", "list", id]) => timelines::list(ctx, parse_id(id)?),

        ("GET", ["lists"]) => lists::index(ctx),
        ("POST", ["lists"]) => lists::create(ctx),
        ("GET", ["lists", id]) => lists::get(ctx, parse_id(id)?),
        ("PUT" | "PATCH", ["lists", id]) => lists::update(ctx, parse_id(id)?),
        ("DELETE", ["lists", id]) => lists::delete(ctx, parse_id(id)?),
        ("GET", ["lists", id, "accounts"]) => lists::accounts(ctx, parse_id(id)?),
        ("POST", ["lists", id, "accounts"]) => lists::add_accounts(ctx, parse_id(id)?),
        ("DELETE", ["lists", id, "accounts"]) => lists::remove_accounts(ctx, parse_id(id)?),

        ("GET", ["conversations"]) => conversations::list(ctx),
        ("GET", ["conversations", id]) => conversations::get(ctx, parse_id(id)?),
        ("POST", ["conversations", id, "read"]) => conversations::read(ctx, parse_id(id)?),
        ("DELETE", ["conversations", id]) => conversations::delete(ctx, parse_id(id)?),

        ("GET", ["notifications", "policy"]) => notification_requests::get_policy(ctx),
        ("PUT" | "PATCH", ["notifications", "policy"]) => notification_requests::update_policy(ctx),
        ("GET", ["notifications", "requests"]) => notification_requests::list(ctx),
        ("GET", ["notifications", "requests", "merged"]) => notification_requests::merged(ctx),
        ("POST", ["notifications", "requests", "accept"]) => notification_requests::accept_many(ctx),
        ("POST", ["notifications", "requests", "dismiss"]) => notification_requests::dismiss_many(ctx),
        ("GET", ["notifications", "requests", id]) => notification_requests::get(ctx, parse_id(id)?),
        ("POST", ["notifications", "requests", id, "accept"]) => notification_requests::accept(ctx, parse_id(id)?),
        ("POST", ["notifications", "requests", id, "dismiss"]) => notification_requests::dismiss(ctx, parse_id(id)?),
        ("GET", ["notifications"]) => notifications::list(ctx),
        ("GET", ["notifications", "unread_count"]) => notifications::unread_count(ctx),
        ("POST", ["notifications", "clear"]) => notifications::clear(ctx),
        ("GET", ["notifications", id]) => notifications::get(ctx, parse_id(id)?),
        ("POST", ["notifications", id, "dismiss"]) => notifications::dismiss(ctx, parse_id(id)?),
        _ => routes::api::discovery::v1(ctx, method, path).unwrap_or_else(routes::api::discovery::not_found),
    }
}

fn api_v2(ctx: &Ctx, method: &str, path: &[&str]) -> Answer {
    use routes::api::v2::filters;
    match (method, path) {
        ("GET", ["filters"]) => filters::list(ctx),
        ("POST", ["filters"]) => filters::create(ctx),
        ("GET", ["filters", "keywords", id]) => filters::keyword(ctx, parse_id(id)?),
        ("PUT", ["filters", "keywords", id]) => filters::update_keyword(ctx, parse_id(id)?),
        ("DELETE", ["filters", "keywords", id]) => filters::delete_keyword(ctx, parse_id(id)?),
        ("GET", ["filters", "statuses", id]) => filters::status(ctx, parse_id(id)?),
        ("DELETE", ["filters", "statuses", id]) => filters::delete_status(ctx, parse_id(id)?),
        ("GET", ["filters", id]) => filters::get(ctx, parse_id(id)?),
        ("PUT", ["filters", id]) => filters::update(ctx, parse_id(id)?),
        ("DELETE", ["filters", id]) => filters::delete(ctx, parse_id(id)?),
        ("GET", ["filters", id, "keywords"]) => filters::keywords(ctx, parse_id(id)?),
        ("POST", ["filters", id, "keywords"]) => filters::add_keyword(ctx, parse_id(id)?),
        ("GET", ["filters", id, "statuses"]) => filters::statuses(ctx, parse_id(id)?),
        ("POST", ["filters", id, "statuses"]) => filters::add_status(ctx, parse_id(id)?),
        ("GET", ["notifications"]) => routes::api::v2::notifications::list(ctx),
        ("GET", ["notifications", "policy"]) => routes::api::v2::notification_policy::get(ctx),
        ("PATCH" | "PUT", ["notifications", "policy"]) => routes::api::v2::notification_policy::update(ctx),
        ("GET", ["notifications", "unread_count"]) => routes::api::v2::notification_groups::unread_count(ctx),
        ("GET", ["notifications", key]) => routes::api::v2::notification_groups::get(ctx, key),
        ("GET", ["notifications", key, "accounts"]) => routes::api::v2::notification_groups::accounts(ctx, key),
        ("POST", ["notifications", key, "dismiss"]) => routes::api::v2::notification_groups::dismiss(ctx, key),
        ("GET", ["search"]) => routes::api::v2::search::search(ctx),
        ("POST", ["media"]) => routes::api::v1::media::create(ctx),
        _ => routes::api::discovery::v2(ctx, method, path).unwrap_or_else(routes::api::discovery::not_found),
    }
}
