//! The routes clients call as they start, beyond the core API: announcements,
//! trends, follow suggestions, the profile directory and the instance's texts and
//! languages. `lib.rs` asks here for a path its own tables do not know.

use aerie_sdk::http::Response;

use super::v1::{accounts::identity_proofs, announcements, directory, instance_texts, suggestions, trends};
use crate::ctx::{Answer, Ctx, parse_id};

/// The answer for `/api/v1/…` `path`, when it is one of these routes.
pub fn v1(ctx: &Ctx, method: &str, path: &[&str]) -> Option<Answer> {
    Some(match (method, path) {
        ("GET", ["announcements"]) => announcements::list(ctx),
        ("POST", ["announcements", id, "dismiss"]) => parse_id(id).and_then(|id| announcements::dismiss(ctx, id)),
        ("PUT", ["announcements", id, "reactions", name]) => parse_id(id).and_then(|id| announcements::react(ctx, id, name)),
        ("DELETE", ["announcements", id, "reactions", name]) => parse_id(id).and_then(|id| announcements::unreact(ctx, id, name)),
        ("GET", ["trends"] | ["trends", "tags"]) => trends::tags(ctx),
        ("GET", ["trends", "statuses"]) => trends::statuses(ctx),
        ("GET", ["trends", "links"]) => trends::links(ctx),
        ("DELETE", ["suggestions", id]) => parse_id(id).and_then(|id| suggestions::remove(ctx, id)),
        ("GET", ["directory"]) => directory::get(ctx),
        ("GET", ["instance", "extended_description"]) => instance_texts::extended_description(ctx),
        ("GET", ["instance", "privacy_policy"]) => instance_texts::privacy_policy(ctx),
        ("GET", ["instance", "terms_of_service"]) => instance_texts::terms_of_service(ctx),
        ("GET", ["instance", "languages"]) => instance_texts::languages(),
        ("GET", ["instance", "translation_languages"]) => instance_texts::translation_languages(),
        ("GET", ["accounts", id, "identity_proofs"]) => parse_id(id).and_then(|id| identity_proofs::list(ctx, id)),
        _ => return None,
    })
}

/// The answer for `/api/v2/…` `path`, when it is one of these routes.
pub fn v2(ctx: &Ctx, method: &str, path: &[&str]) -> Option<Answer> {
    Some(match (method, path) {
        ("GET", ["suggestions"]) => super::v2::suggestions::list(ctx),
        _ => return None,
    })
}

/// Not one of these routes either: Mastodon's 404.
pub fn not_found() -> Answer {
    Err(Response::not_found())
}
