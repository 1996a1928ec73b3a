//! `aerie components list` and `aerie components reload [ID]`: they work while the
//! server runs, through the database every node shares (nodes report what they run
//! in `component_status` and pick up reload requests from host control records).

use std::time::{Duration, Instant};

use crate::clock::now_millis;
use crate::config::ComponentEntry;
use crate::db::{Database, Value};
use crate::manifest;
use crate::operator_error::OperatorError;
use crate::runtime::cache::content_hash;
use crate::runtime::reload::CONTROL_NAMESPACE;
use crate::startup::{self, GlobalArgs};

/// A node counts as running when it reported within this window.
const LIVE_MS: i64 = 30_000;

fn grants_summary(entry: &ComponentEntry) -> String {
    let g = &entry.grants;
    let mut parts = vec![format!("db={}", g.db)];
    if g.blobs != crate::config::BlobsGrant::None {
        parts.push(format!("blobs={}", g.blobs));
    }
    if let Some(tables) = &g.tables {
        parts.push(format!("tables=[{}]", tables.join(",")));
    }
    for (name, on) in [("log", g.log), ("kv", g.kv), ("queue", g.queue), ("events", g.events)] {
        if on {
            parts.push(name.to_string());
        }
    }
    parts.join(" ")
}

struct Status {
    node: String,
    component: String,
    hash: String,
    calls: i64,
    traps: i64,
    p99_us: i64,
    last_error: Option<String>,
    updated_at: i64,
}

async fn live_status(db: &Database) -> anyhow::Result<Vec<Status>> {
    let rows = db
        .query(
            "SELECT node, component, hash, calls, traps, p99_us, last_error, updated_at FROM component_status WHERE updated_at >= $1 ORDER BY component, node",
            vec![(now_millis() - LIVE_MS).into()],
        )
        .await?;
    Ok((0..rows.rows.len())
        .map(|i| {
            let text = |c: &str| rows.get(i, c).and_then(Value::as_str).unwrap_or_default().to_string();
            let int = |c: &str| rows.get(i, c).and_then(Value::as_i64).unwrap_or(0);
            Status {
                node: text("node"),
                component: text("component"),
                hash: text("hash"),
                calls: int("calls"),
                traps: int("traps"),
                p99_us: int("p99_us"),
                last_error: rows.get(i, "last_error").and_then(Value::as_str).map(str::to_string),
                updated_at: int("updated_at"),
            }
        })
        .collect())
}

pub async fn list(global: &GlobalArgs) -> anyhow::Result<()> {
    let instance = startup::open_instance(global, false).await?;
    let statuses = live_status(&instance.database).await.unwrap_or_default();
    println!(
        "{:<16} {:<12} {:<5} {:<40} {:<18} {:>7} {:>6} {:>9}  source",
        "id", "hash", "hook", "grants", "limits", "calls", "traps", "p99"
    );
    for entry in manifest::effective(&instance.config) {
        let hash = manifest::read_source(&entry).map(|w| content_hash(&w)[..12].to_string()).unwrap_or_else(|_| "unreadable".into());
        let mut limits = format!(
            "{}ms {}MB",
            entry.limits.time_ms.unwrap_or(instance.config.runtime.time_budget_ms),
            entry.limits.memory_mb.unwrap_or(instance.config.runtime.memory_mb)
        );
        if let Some(rate) = entry.limits.calls_per_second {
            limits.push_str(&format!(" {rate}/s"));
        }
        let mine: Vec<&Status> = statuses.iter().filter(|s| s.component == entry.id).collect();
        let calls: i64 = mine.iter().map(|s| s.calls).sum();
        let traps: i64 = mine.iter().map(|s| s.traps).sum();
        let p99 = mine.iter().map(|s| s.p99_us).max().unwrap_or(0);
        let (calls, traps, p99) = if mine.is_empty() {
            ("-".to_string(), "-".to_string(), "-".to_string())
        } else {
            (calls.to_string(), traps.to_string(), format!("{:.2}ms", p99 as f64 / 1000.0))
        };
        println!(
            "{:<16} {:<12} {:<5} {:<40} {:<18} {:>7} {:>6} {:>9}  {}",
            entry.id,
            hash,
            entry.hook,
            grants_summary(&entry),
            limits,
            calls,
            traps,
            p99,
            entry.source
        );
        for status in mine {
            let running = if status.hash.starts_with(&hash) || hash.starts_with(&status.hash[..12.min(status.hash.len())]) {
                ""
            } else {
                " (runs an older version)"
            };
            println!(
                "    node {}: {} calls, {} traps, p99 {:.2}ms{running}",
                status.node,
                status.calls,
                status.traps,
                status.p99_us as f64 / 1000.0
            );
            if let Some(error) = &status.last_error {
                println!("    node {}: last reload refused: {error}", status.node);
            }
        }
    }
    if statuses.is_empty() {
        println!("(no running node reported in the last {} s: calls, traps and p99 appear while the server runs)", LIVE_MS / 1000);
    }
    instance.database.close().await;
    Ok(())
}

pub async fn reload(global: &GlobalArgs, id: Option<&str>) -> anyhow::Result<()> {
    let instance = startup::open_instance(global, false).await?;
    let db = &instance.database;
    let entries = manifest::effective(&instance.config);
    if let Some(id) = id
        && !entries.iter().any(|e| e.id == id)
    {
        let known: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        return Err(OperatorError::new(format!("there is no component {id:?}"), format!("use one of: {}", known.join(", "))).into());
    }
    let requested = now_millis();
    db.execute(
        "INSERT INTO kv_entries (component, key, value, expires_at) VALUES ($1, $2, $3, NULL) \
         ON CONFLICT (component, key) DO UPDATE SET value = excluded.value",
        vec![CONTROL_NAMESPACE.into(), format!("reload:{}", id.unwrap_or("*")).into(), Value::Bytes(requested.to_string().into_bytes())],
    )
    .await?;
    let targets: Vec<String> = entries.iter().filter(|e| id.is_none_or(|id| e.id == id)).map(|e| e.id.clone()).collect();
    let nodes: Vec<String> = {
        let mut n: Vec<String> = live_status(db).await?.into_iter().map(|s| s.node).collect();
        n.sort();
        n.dedup();
        n
    };
    if nodes.is_empty() {
        println!("aerie: no server is running; components load from their sources at the next start");
        db.close().await;
        return Ok(());
    }
    // Wait for every live node to report after the request.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut refused = Vec::new();
    loop {
        let statuses = live_status(db).await?;
        let fresh: Vec<&Status> = statuses.iter().filter(|s| s.updated_at >= requested && targets.contains(&s.component)).collect();
        let done = nodes.iter().all(|node| targets.iter().all(|t| fresh.iter().any(|s| &s.node == node && &s.component == t)));
        if done {
            for status in fresh {
                match &status.last_error {
                    Some(error) => {
                        println!("{} on {}: refused, still running {}: {error}", status.component, status.node, &status.hash[..12]);
                        refused.push(status.component.clone());
                    }
                    None => println!("{} on {}: running {}", status.component, status.node, &status.hash[..12]),
                }
            }
            break;
        }
        if Instant::now() > deadline {
            return Err(OperatorError::new(
                "the running nodes did not confirm the reload within 30 s",
                "check the server log (aerie serve) for errors",
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    db.close().await;
    if refused.is_empty() {
        Ok(())
    } else {
        Err(OperatorError::new(
            format!("the new version of {} was refused; the old one keeps serving", refused.join(", ")),
            "fix the component (see the reason above) and reload again",
        )
        .into())
    }
}
