//! ActivityPub discovery and documents for this instance's accounts and statuses, as
//! a `wasi:http` component, in the shapes Mastodon 4.3 serves:
//!
//! - `/.well-known/webfinger`, `/.well-known/host-meta` (XRD or JSON): discovery;
//! - `/actor` (+ `/actor/outbox`): the instance actor, which signs the instance's own
//!   fetches;
//! - `/users/NAME` (actor), its `followers`, `following`, `outbox`,
//!   `collections/featured`, `collections/tags`;
//! - `/users/NAME/statuses/ID` (Note or Question), `.../activity` (its Create, or a
//!   reblog's Announce), `.../replies`, `.../likes`, `.../shares`;
//! - `/emojis/ID`: a local custom emoji as an `Emoji`.
//!
//! Actor and status documents answer browsers (an `Accept` that asks for neither
//! ActivityPub nor JSON-LD) with a redirect to the HTML page. Every status goes
//! through the one visibility rule with the viewer the host verified from the
//! request's HTTP signature (`x-aerie-signer-account-id`); unsigned requests are
//! anonymous. Files under `routes/` mirror the URLs.

mod accounts;
mod ctx;
mod instance;
mod notes;
mod routes;

use aerie_sdk::http::{Request, Response};

use ctx::Ctx;
use routes::users::{collections, outbox, statuses};
use routes::{actor, users, well_known};

#[aerie_sdk::http_component]
fn route(request: Request) -> Response {
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return Response::error(405, "Method not allowed").with_header("allow", "GET, HEAD".into());
    }
    let path = request.path.trim_end_matches('/').to_string();
    let ctx = match Ctx::new(&request) {
        Ok(ctx) => ctx,
        Err(response) => return response,
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let answer = match segments.as_slice() {
        [".well-known", "webfinger"] => well_known::webfinger::get(&ctx),
        [".well-known", "host-meta"] => well_known::host_meta::get(&ctx, false),
        [".well-known", "host-meta.json"] => well_known::host_meta::get(&ctx, true),
        ["actor"] => actor::get(&ctx),
        ["actor", "outbox"] => actor::outbox(&ctx),
        ["emojis", id] => routes::emojis::get(&ctx, id),
        ["users", name] => users::get(&ctx, name),
        ["users", name, "followers"] => collections::followers(&ctx, name),
        ["users", name, "following"] => collections::following(&ctx, name),
        ["users", name, "outbox"] => outbox::get(&ctx, name),
        ["users", name, "collections", "featured"] => collections::featured(&ctx, name),
        ["users", name, "collections", "tags"] => collections::tags(&ctx, name),
        ["users", name, "statuses", id] => statuses::note(&ctx, name, id),
        ["users", name, "statuses", id, "activity"] => statuses::activity(&ctx, name, id),
        ["users", name, "statuses", id, "replies"] => statuses::replies(&ctx, name, id),
        ["users", name, "statuses", id, "likes"] => statuses::counted(&ctx, name, id, "likes"),
        ["users", name, "statuses", id, "shares"] => statuses::counted(&ctx, name, id, "shares"),
        _ => Err(Response::not_found()),
    };
    answer.unwrap_or_else(|error| error)
}
