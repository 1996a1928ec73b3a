//! A minimal HTTP component: `GET /visits` counts visits in the component's key-value
//! namespace and says how many unlocked local accounts the instance has, read from the
//! database. Any other path is a Mastodon-style 404.
//!
//! Build it with `cargo build --release --target wasm32-wasip2 --examples --features wasm-examples -p aerie-sdk`
//! (in `components/`) and load `target/wasm32-wasip2/release/examples/visits.wasm`
//! with a manifest entry such as:
//!
//! ```toml
//! [[components]]
//! id = "visits"
//! source = "/srv/aerie/visits.wasm"
//! hook = "http"
//! routes = ["/visits"]
//! grants = { db = "read-only", kv = true, tables = ["accounts"] }
//! ```

use aerie_sdk::db::{self, Value};
use aerie_sdk::http::{Request, Response};
use aerie_sdk::kv;

#[aerie_sdk::http_component]
fn handle(request: Request) -> Response {
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/visits") => visits().unwrap_or_else(|error| error),
        _ => Response::not_found(),
    }
}

/// The answer, or a Mastodon-style error when a capability failed.
fn visits() -> Result<Response, Response> {
    // A failed database call becomes a logged 503 through `From<db::Error>`.
    // Placeholders are `$1..$n` on both engines.
    let rows = db::query("SELECT COUNT(*) AS n FROM accounts WHERE domain IS NULL AND locked = $1", &[Value::Int64(0)])?;
    let unlocked = rows.first().and_then(|row| row.i64("n")).unwrap_or(0);
    let visits = kv::increment("visits", 1).map_err(|e| Response::error(503, &format!("the key-value store failed: {e}")))?;
    Ok(Response::json(200, &serde_json::json!({ "visits": visits, "unlocked_local_accounts": unlocked })))
}
