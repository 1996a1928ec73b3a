//! `GET /api/v1/instance`: the v1 Instance entity (deprecated by Mastodon, still read
//! by many clients to learn the version and limits).

use aerie_core::entities::Activity;
use aerie_core::store;
use aerie_core::store::instance::Counted;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::{Request, Response};
use aerie_sdk::settings;
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
            "uri": info.domain,
            "title": info.title,
            "short_description": info.description,
            "description": info.description,
            "email": info.contact_email,
            "version": mastodon_version(&info),
            "urls": { "streaming_api": streaming_url(&info, request) },
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
            "rules": rules,
        }),
    )
}

/// `GET /api/v1/instance/peers`: the remote domains this instance knows.
pub fn peers() -> Result<Response, Response> {
    let domains = store::instance::peers(&Autocommit)?;
    Ok(Response::to_json(200, &domains))
}

const WEEK_MS: i64 = 7 * 86_400_000;
const ACTIVITY_WEEKS: i64 = 12;

/// `GET /api/v1/instance/activity`: local statuses, logins (accounts last active
/// that week) and registrations for the last 12 weeks (Monday to Monday, UTC),
/// newest first, numbers as strings.
pub fn activity() -> Result<Response, Response> {
    // 1970-01-01 was a Thursday: weeks start 4 days (Monday) after the epoch grid.
    let monday_offset = 4 * 86_400_000;
    let now = settings::now_millis();
    let this_week = (now - monday_offset).div_euclid(WEEK_MS) * WEEK_MS + monday_offset;
    let first = this_week - (ACTIVITY_WEEKS - 1) * WEEK_MS;
    let counts = store::instance::activity(&Autocommit, first, WEEK_MS)?;
    let mut weeks: Vec<Activity> = (0..ACTIVITY_WEEKS)
        .map(|i| Activity {
            week: ((first + i * WEEK_MS) / 1000).to_string(),
            statuses: "0".into(),
            logins: "0".into(),
            registrations: "0".into(),
        })
        .collect();
    for (counted, week, n) in counts {
        let Some(week) = weeks.get_mut(week as usize) else { continue };
        let n = n.to_string();
        match counted {
            Counted::Statuses => week.statuses = n,
            Counted::Logins => week.logins = n,
            Counted::Registrations => week.registrations = n,
        }
    }
    weeks.reverse();
    Ok(Response::to_json(200, &weeks))
}

/// `GET /api/v1/instance/rules`
pub fn rules() -> Result<Response, Response> {
    Ok(Response::json(200, &instance_info::rules()?))
}
