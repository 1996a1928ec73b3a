//! `GET /api/v1/markers?timeline[]=home&timeline[]=notifications` and `POST` (with
//! `home[last_read_id]`, `notifications[last_read_id]`): where the user stopped reading.

use aerie_core::entities::Marker;
use aerie_core::time::iso8601;
use aerie_sdk::db::{self, Value, placeholders};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, invalid};

const TIMELINES: [&str; 2] = ["home", "notifications"];

fn read(viewer: i64, timelines: &[&str]) -> Result<serde_json::Map<String, serde_json::Value>, Response> {
    let mut out = serde_json::Map::new();
    if timelines.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT timeline, last_read_id, version, updated_at FROM markers WHERE account_id = $1 AND timeline IN ({})",
        placeholders(2, timelines.len())
    );
    let mut params = vec![Value::Int64(viewer)];
    params.extend(timelines.iter().map(|t| Value::Text(t.to_string())));
    for row in db::query(&sql, &params)?.iter() {
        let marker = Marker {
            last_read_id: row.i64("last_read_id").unwrap_or_default().to_string(),
            version: row.i64("version").unwrap_or_default(),
            updated_at: iso8601(row.i64("updated_at").unwrap_or_default()),
        };
        out.insert(row.string("timeline").unwrap_or_default(), serde_json::to_value(marker).unwrap_or_default());
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
        db::execute(
            "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at) VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id, version = markers.version + 1, \
               updated_at = excluded.updated_at",
            &[Value::Int64(viewer), Value::Text(timeline.into()), Value::Int64(last_read_id), Value::Int64(now)],
        )?;
        saved.push(timeline);
    }
    Ok(Response::json(200, &serde_json::Value::Object(read(viewer, &saved)?)))
}
