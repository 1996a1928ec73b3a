//! `GET /api/v1/instance`: the v1 Instance entity (deprecated by Mastodon, still read
//! by many clients to learn the version and limits).

use aerie_core::entities::Activity;
use aerie_sdk::db::{self, Value};
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
    let rows =
        db::query("SELECT domain FROM instances UNION SELECT DISTINCT domain FROM accounts WHERE domain IS NOT NULL ORDER BY domain", &[])?;
    let domains: Vec<String> = rows.iter().filter_map(|r| r.string("domain")).collect();
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
    let rows = db::query(
        "SELECT 's' AS k, (created_at - $1) / $2 AS w, COUNT(*) AS n FROM statuses WHERE local = 1 AND created_at >= $1 \
           GROUP BY 2 \
         UNION ALL SELECT 'l' AS k, (last_active_at - $1) / $2 AS w, COUNT(*) AS n FROM users WHERE last_active_at >= $1 \
           GROUP BY 2 \
         UNION ALL SELECT 'r' AS k, (created_at - $1) / $2 AS w, COUNT(*) AS n FROM users WHERE created_at >= $1 \
           GROUP BY 2",
        &[Value::Int64(first), Value::Int64(WEEK_MS)],
    )?;
    let mut weeks: Vec<Activity> = (0..ACTIVITY_WEEKS)
        .map(|i| Activity {
            week: ((first + i * WEEK_MS) / 1000).to_string(),
            statuses: "0".into(),
            logins: "0".into(),
            registrations: "0".into(),
        })
        .collect();
    for row in rows.iter() {
        let Some(week) = row.i64("w").and_then(|w| weeks.get_mut(w as usize)) else { continue };
        let n = row.i64("n").unwrap_or(0).to_string();
        match row.text("k") {
            Some("s") => week.statuses = n,
            Some("l") => week.logins = n,
            _ => week.registrations = n,
        }
    }
    weeks.reverse();
    Ok(Response::to_json(200, &weeks))
}

/// `GET /api/v1/instance/rules`
pub fn rules() -> Result<Response, Response> {
    Ok(Response::json(200, &instance_info::rules()?))
}

/// `GET /api/v1/custom_emojis`: none yet.
pub fn custom_emojis() -> Result<Response, Response> {
    Ok(Response::json(200, &json!([])))
}
