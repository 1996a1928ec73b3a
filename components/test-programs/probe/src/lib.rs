//! Test program: exposes each host capability over HTTP so tests can drive grants.
//! Paths are matched from `/probe/` on, so it can be mounted under any prefix.
//!
//! - `POST /probe/query`, `POST /probe/execute`: run the body as SQL; errors come back
//!   as `{"error": ..., "kind": "access-denied" | ...}` with 403 for access-denied.
//! - `GET|PUT|DELETE /probe/kv/KEY`, `POST /probe/kv-incr/KEY`, `GET /probe/kv-list/PREFIX`,
//!   `POST /probe/sleep-then-set/KEY?ms=N` (waits N ms, then sets KEY to the body)
//! - `POST /probe/enqueue/KIND[?key=IDEMPOTENCY_KEY]`: body is the payload.
//! - `GET /probe/config/KEY`, `GET /probe/clock`
//! - `PUT /probe/blob/KEY` (body written in 64 KiB chunks), `GET /probe/blob/KEY?offset=O&len=N`,
//!   `DELETE /probe/blob/KEY`

use aerie_sdk::bindings::aerie::host::blobs;
use aerie_sdk::db::{self, Error as DbError};
use aerie_sdk::http::{Request, Response};
use aerie_sdk::{kv, queue, settings};
use serde_json::json;

fn db_error(error: DbError) -> Response {
    let (status, kind, message) = match error {
        DbError::AccessDenied(m) => (403, "access-denied", m),
        DbError::InvalidQuery(m) => (400, "invalid-query", m),
        DbError::ConstraintViolation(m) => (409, "constraint-violation", m),
        DbError::TransactionExpired(m) => (409, "transaction-expired", m),
        DbError::Unavailable(m) => (503, "unavailable", m),
    };
    Response::json(status, &json!({ "error": message, "kind": kind }))
}

fn blob_error(error: blobs::Error) -> Response {
    let (status, kind, message) = match error {
        blobs::Error::AccessDenied(m) => (403, "access-denied", m),
        blobs::Error::NotFound(m) => (404, "not-found", m),
        blobs::Error::InvalidKey(m) => (400, "invalid-key", m),
        blobs::Error::OutOfRange(m) => (416, "out-of-range", m),
        blobs::Error::Unavailable(m) => (503, "unavailable", m),
    };
    Response::json(status, &json!({ "error": message, "kind": kind }))
}

fn value_to_json(value: db::Cell) -> serde_json::Value {
    match value {
        db::Cell::Null => serde_json::Value::Null,
        db::Cell::Boolean(b) => json!(b),
        db::Cell::Int64(i) => json!(i),
        db::Cell::Float64(f) => json!(f),
        db::Cell::Text(s) => json!(s),
        db::Cell::Bytes(b) => json!(String::from_utf8_lossy(b)),
    }
}

#[aerie_sdk::http_component]
fn route(request: Request) -> Response {
    let body = String::from_utf8_lossy(&request.body).to_string();
    // Mounted under any prefix (tests load it several times with different grants).
    let path = request.path.find("/probe/").map(|i| request.path[i..].to_string()).unwrap_or_default();
    let rest = |prefix: &str| path.strip_prefix(prefix).map(str::to_string);
    match request.method.as_str() {
        "POST" if path == "/probe/query" => match db::query(&body, &[]) {
            Ok(rows) => {
                let rows: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|row| {
                        let map: serde_json::Map<String, serde_json::Value> =
                            rows.columns().iter().map(|c| (c.clone(), row.get_named(c).map(value_to_json).unwrap_or_default())).collect();
                        serde_json::Value::Object(map)
                    })
                    .collect();
                Response::json(200, &json!({ "rows": rows }))
            }
            Err(e) => db_error(e),
        },
        "POST" if path == "/probe/execute" => match db::execute(&body, &[]) {
            Ok(n) => Response::json(200, &json!({ "changed": n })),
            Err(e) => db_error(e),
        },
        // How many requests this instance has served: shows whether the host reuses warm
        // instances (a global survives between requests only in a reused instance).
        "GET" if path == "/probe/served" => {
            static SERVED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let served = SERVED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            Response::json(200, &json!({ "served": served }))
        }
        "GET" if path == "/probe/trap" => panic!("the probe traps on purpose"),
        // A kv write outside an open transaction of the same call: on SQLite it would
        // wait for that transaction forever; the host refuses it at once instead.
        "POST" if path == "/probe/write-during-transaction" => {
            let tx = match db::begin() {
                Ok(tx) => tx,
                Err(e) => return db_error(e),
            };
            let outside = kv::set("during", b"x", None);
            let _ = tx.execute("UPDATE instance_settings SET updated_at = updated_at WHERE key = 'title'", &[]);
            let committed = tx.commit().is_ok();
            let after = kv::set("after", b"y", None).is_ok();
            Response::json(
                200,
                &json!({ "outside": outside.err().map(|e| format!("{e:?}")), "committed": committed, "after_commit": after }),
            )
        }
        "GET" if path == "/probe/clock" => Response::json(200, &json!({ "now": settings::now_millis(), "id": settings::next_id() })),
        "GET" if path.starts_with("/probe/config/") => {
            Response::json(200, &json!({ "value": settings::get(&rest("/probe/config/").unwrap()) }))
        }
        "GET" if path.starts_with("/probe/kv/") => match kv::get(&rest("/probe/kv/").unwrap()) {
            Ok(Some(v)) => Response::json(200, &json!({ "value": String::from_utf8_lossy(&v) })),
            Ok(None) => Response::not_found(),
            Err(e) => Response::error(500, &format!("{e:?}")),
        },
        "PUT" if path.starts_with("/probe/kv/") => match kv::set(&rest("/probe/kv/").unwrap(), body.as_bytes(), None) {
            Ok(()) => Response::json(200, &json!({})),
            Err(e) => Response::error(500, &format!("{e:?}")),
        },
        "DELETE" if path.starts_with("/probe/kv/") => match kv::delete(&rest("/probe/kv/").unwrap()) {
            Ok(existed) => Response::json(200, &json!({ "existed": existed })),
            Err(e) => Response::error(500, &format!("{e:?}")),
        },
        // Waits (a host-side timer, so the call is pending meanwhile), then sets the
        // key: a test hangs up during the wait and checks the write still happens.
        "POST" if path.starts_with("/probe/sleep-then-set/") => {
            let ms: u64 = request.query.strip_prefix("ms=").and_then(|v| v.parse().ok()).unwrap_or(300);
            wasip2::clocks::monotonic_clock::subscribe_duration(ms * 1_000_000).block();
            match kv::set(&rest("/probe/sleep-then-set/").unwrap(), body.as_bytes(), None) {
                Ok(()) => Response::json(200, &json!({ "ok": true })),
                Err(e) => Response::error(503, &format!("{e:?}")),
            }
        }
        "POST" if path.starts_with("/probe/kv-incr/") => match kv::increment(&rest("/probe/kv-incr/").unwrap(), 1) {
            Ok(n) => Response::json(200, &json!({ "value": n })),
            Err(e) => Response::error(500, &format!("{e:?}")),
        },
        "GET" if path.starts_with("/probe/kv-list/") => match kv::list_keys(&rest("/probe/kv-list/").unwrap(), 100) {
            Ok(keys) => Response::json(200, &json!({ "keys": keys })),
            Err(e) => Response::error(500, &format!("{e:?}")),
        },
        "PUT" if path.starts_with("/probe/blob/") => {
            let key = rest("/probe/blob/").unwrap();
            let result = blobs::create(&key, Some("application/octet-stream")).and_then(|writer| {
                for chunk in request.body.chunks(64 * 1024) {
                    writer.write(chunk)?;
                }
                blobs::Writer::finish(writer)
            });
            match result {
                Ok(size) => Response::json(200, &json!({ "size": size })),
                Err(e) => blob_error(e),
            }
        }
        "GET" if path.starts_with("/probe/blob/") => {
            let key = rest("/probe/blob/").unwrap();
            let param = |name: &str| {
                request.query.split('&').find_map(|pair| pair.strip_prefix(&format!("{name}="))).and_then(|v| v.parse::<u64>().ok())
            };
            match blobs::read(&key, param("offset").unwrap_or(0), param("len").unwrap_or(1 << 20) as u32) {
                Ok((bytes, size)) => Response::json(200, &json!({ "data": String::from_utf8_lossy(&bytes), "size": size })),
                Err(e) => blob_error(e),
            }
        }
        "DELETE" if path.starts_with("/probe/blob/") => match blobs::delete(&rest("/probe/blob/").unwrap()) {
            Ok(()) => Response::json(200, &json!({})),
            Err(e) => blob_error(e),
        },
        "POST" if path.starts_with("/probe/enqueue/") => {
            let kind = rest("/probe/enqueue/").unwrap();
            let key = request.query.split('&').find_map(|pair| pair.strip_prefix("key=")).map(str::to_string);
            let mut options = queue::now();
            options.idempotency_key = key;
            match queue::enqueue(&kind, body.as_bytes(), &options) {
                Ok(id) => Response::json(200, &json!({ "id": id.map(|i| i.to_string()) })),
                Err(e) => Response::error(500, &format!("{e:?}")),
            }
        }
        _ => Response::not_found(),
    }
}
