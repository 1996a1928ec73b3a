//! `GET /api/v1/markers?timeline[]=home&timeline[]=notifications` and `POST` (with
//! `home[last_read_id]`, `notifications[last_read_id]`): where the user stopped reading.

use aerie_core::entities::Marker;
use aerie_core::store::markers;
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, invalid};

const TIMELINES: [&str; 2] = ["home", "notifications"];

fn read(viewer: i64, timelines: &[&str]) -> Result<serde_json::Map<String, serde_json::Value>, Response> {
    let mut out = serde_json::Map::new();
    for saved in markers::get(&Autocommit, viewer, timelines)? {
        let marker = Marker { last_read_id: saved.last_read_id.to_string(), version: saved.version, updated_at: iso8601(saved.updated_at) };
        out.insert(saved.timeline, serde_json::to_value(marker).unwrap_or_default());
    }
    Ok(out)
}

/// `GET /api/v1/markers`
pub fn get(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:statuses")?;
    let timelines: Vec<&str> = ctx.params.all("timeline").into_iter().filter(|t| TIMELINES.contains(t)).collect();
    Ok(Response::json(200, &serde_json::Value::Object(read(viewer, &timelines)?)))
}

/// `POST /api/v1/markers`
pub fn save(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:statuses")?;
    let now = settings::now_millis();
    let mut saved = Vec::new();
    for timeline in TIMELINES {
        let Some(value) = ctx.params.get(&format!("{timeline}[last_read_id]")) else { continue };
        let last_read_id = value.parse::<i64>().map_err(|_| invalid("Last read is not a number"))?;
        markers::save(&Autocommit, viewer, timeline, last_read_id, now)?;
        saved.push(timeline);
    }
    Ok(Response::json(200, &serde_json::Value::Object(read(viewer, &saved)?)))
}
