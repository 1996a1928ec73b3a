//! `GET /api/v1/preferences`: the posting and reading defaults from `users.settings`.

use aerie_core::store::users;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use serde_json::json;

use crate::ctx::{Answer, Ctx};

pub fn get(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:accounts")?;
    let settings: serde_json::Value = users::settings(&Autocommit, viewer)?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    let get = |key: &str| settings.get(key).cloned().unwrap_or(serde_json::Value::Null);
    Ok(Response::json(
        200,
        &json!({
            "posting:default:visibility": get("default_privacy").as_str().unwrap_or("public"),
            "posting:default:sensitive": get("default_sensitive").as_bool().unwrap_or(false),
            "posting:default:language": get("default_language"),
            "reading:expand:media": get("expand_media").as_str().unwrap_or("default"),
            "reading:expand:spoilers": get("expand_spoilers").as_bool().unwrap_or(false),
        }),
    ))
}
