//! `GET /api/v1/instance`: the v1 Instance entity (deprecated by Mastodon, still read
//! by many clients to learn the version and limits).

use aerie_guest::http::{Request, Response};
use serde_json::json;

use crate::instance_info::{self, mastodon_version, streaming_url};
use crate::routes::{api, unavailable};

pub fn get(request: &Request) -> Response {
    let info = match instance_info::load() {
        Ok(info) => info,
        Err(error) => return unavailable(error),
    };
    Response::json(
        200,
        &json!({
            "uri": info.domain,
            "title": info.title,
            "short_description": info.description,
            "description": info.description,
            "email": info.contact_email,
            "version": mastodon_version(&info),
            "urls": { "streaming_api": streaming_url(&info, request.scheme()) },
            "stats": {
                "user_count": info.user_count,
                "status_count": info.status_count,
                "domain_count": info.domain_count,
            },
            "thumbnail": null,
            "languages": ["en"],
            "registrations": info.registrations_open,
            "approval_required": info.approval_required,
            "invites_enabled": false,
            "configuration": {
                "accounts": { "max_featured_tags": 10 },
                "statuses": api::statuses_configuration(info.max_characters),
                "media_attachments": api::media_configuration(),
                "polls": api::polls_configuration(),
            },
            "contact_account": null,
            "rules": [],
        }),
    )
}
