//! `GET /api/v2/instance`: the v2 Instance entity, including `api_versions`, which
//! Mastodon.py and others use to decide which endpoints exist.

use aerie_sdk::http::{Request, Response};
use serde_json::json;

use crate::instance_info::{self, mastodon_version, streaming_url};
use crate::routes::{api, unavailable};

pub fn get(request: &Request) -> Response {
    let (info, rules) = match instance_info::load().and_then(|info| Ok((info, instance_info::rules()?))) {
        Ok(loaded) => loaded,
        Err(error) => return unavailable(error),
    };
    Response::json(
        200,
        &json!({
            "domain": info.domain,
            "title": info.title,
            "version": mastodon_version(&info),
            "source_url": "https://github.com/aerie-social/aerie",
            "description": info.description,
            "usage": { "users": { "active_month": info.active_month } },
            "thumbnail": { "url": null },
            "icon": [],
            "languages": ["en"],
            "configuration": {
                "urls": { "streaming": streaming_url(&info, request), "status": null },
                "vapid": { "public_key": info.vapid_public_key },
                "accounts": { "max_featured_tags": 10, "max_pinned_statuses": 5 },
                "statuses": api::statuses_configuration(info.max_characters),
                "media_attachments": api::media_configuration(),
                "polls": api::polls_configuration(),
                "translation": { "enabled": false },
            },
            "registrations": {
                "enabled": info.registrations_open,
                "approval_required": info.approval_required,
                "message": null,
                "url": null,
            },
            "api_versions": { "mastodon": 2 },
            "contact": { "email": info.contact_email, "account": null },
            "rules": rules,
        }),
    )
}
