//! Hot reload: a changed `.wasm` is compiled off the request path and swapped in;
//! calls in flight finish on the old version. A replacement that fails to compile or
//! link is refused with the file and the reason, and the old version keeps serving.
//!
//! A watcher polls the file sources every second, and also picks up reload requests
//! that `aerie components reload` leaves in the database (so a request reaches every
//! node sharing it). Each node reports what it runs in `component_status`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::Runtime;
use crate::clock::now_millis;
use crate::db::Value;
use crate::manifest;

/// The kv namespace of host control records (`kv_entries` is host-only).
pub const CONTROL_NAMESPACE: &str = "aerie:control";

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// The source has the same bytes as the running version.
    Unchanged,
    /// The new version serves from now on.
    Swapped { hash: String },
}

impl Runtime {
    /// Reloads component `id` from its source.
    pub async fn reload(self: &Arc<Self>, id: &str) -> anyhow::Result<Reloaded> {
        let current = self.component(id).ok_or_else(|| anyhow::anyhow!("no component {id:?} is loaded"))?;
        let entry = current.entry.clone();
        let wasm = manifest::read_source(&entry)?.into_owned();
        if super::cache::content_hash(&wasm) == current.hash {
            return Ok(Reloaded::Unchanged);
        }
        // Compiling is CPU-heavy: keep it off the async workers serving requests.
        let runtime = self.clone();
        let prepared = tokio::task::spawn_blocking(move || runtime.prepare(&entry, &wasm)).await??;
        let (loaded, _) = prepared;
        let hash = loaded.hash.clone();
        let loaded = Arc::new(loaded);
        self.components.rcu(|map| {
            let mut map = HashMap::clone(map);
            map.insert(id.to_string(), loaded.clone());
            map
        });
        tracing::info!(component = id, hash = &hash[..12], "component reloaded");
        Ok(Reloaded::Swapped { hash })
    }

    /// Writes this node's view of its components to `component_status`.
    pub async fn report_status(&self, node: &str, errors: &HashMap<String, String>) -> anyhow::Result<()> {
        let now = now_millis();
        for component in self.components() {
            self.database
                .execute(
                    "INSERT INTO component_status (node, component, source, hash, hook, calls, traps, p99_us, last_error, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (node, component) DO UPDATE SET \
                     source = excluded.source, hash = excluded.hash, hook = excluded.hook, calls = excluded.calls, traps = excluded.traps, \
                     p99_us = excluded.p99_us, last_error = excluded.last_error, updated_at = excluded.updated_at",
                    vec![
                        node.into(),
                        component.id.to_string().into(),
                        component.entry.source.clone().into(),
                        component.hash.clone().into(),
                        component.hook().as_str().into(),
                        (component.stats.calls() as i64).into(),
                        (component.stats.traps() as i64).into(),
                        (component.stats.p99_us() as i64).into(),
                        errors.get(&*component.id).cloned().map(Value::Text).unwrap_or(Value::Null),
                        now.into(),
                    ],
                )
                .await?;
        }
        Ok(())
    }
}

/// The modification stamp of a file source.
fn stamp(path: &str) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Watches file sources and reload requests; reports status. Runs for the life of the server.
pub fn spawn_watcher(runtime: Arc<Runtime>, node: String, interval: Duration) {
    tokio::spawn(async move {
        let mut stamps: HashMap<String, Option<(SystemTime, u64)>> = HashMap::new();
        for component in runtime.components() {
            if !component.entry.source.starts_with("builtin:") {
                stamps.insert(component.id.to_string(), stamp(&component.entry.source));
            }
        }
        let mut errors: HashMap<String, String> = HashMap::new();
        let mut seen_requests: HashMap<String, String> = HashMap::new();
        let mut first = true;
        let mut last_report = std::time::Instant::now() - Duration::from_secs(60);
        loop {
            let mut changed = false;
            let mut due: Vec<String> = Vec::new();
            for (id, old) in stamps.iter_mut() {
                let Some(component) = runtime.component(id) else { continue };
                let now = stamp(&component.entry.source);
                if now != *old {
                    *old = now;
                    due.push(id.clone());
                }
            }
            // Reload requests: kv_entries rows "reload:ID" or "reload:*" with a request time.
            if let Ok(rows) =
                runtime.database.query("SELECT key, value FROM kv_entries WHERE component = $1", vec![CONTROL_NAMESPACE.into()]).await
            {
                for row in &rows.rows {
                    let (Some(Value::Text(key)), Some(Value::Bytes(value))) = (row.first(), row.get(1)) else { continue };
                    let Some(target) = key.strip_prefix("reload:") else { continue };
                    let value = String::from_utf8_lossy(value).to_string();
                    if seen_requests.get(key) == Some(&value) {
                        continue;
                    }
                    let fresh = !first;
                    seen_requests.insert(key.clone(), value);
                    if fresh {
                        if target == "*" {
                            due.extend(runtime.components().iter().map(|c| c.id.to_string()));
                        } else {
                            due.push(target.to_string());
                        }
                        changed = true;
                    }
                }
            }
            first = false;
            due.sort();
            due.dedup();
            for id in due {
                changed = true;
                match runtime.reload(&id).await {
                    Ok(result) => {
                        errors.remove(&id);
                        tracing::debug!(component = %id, ?result, "reload checked");
                    }
                    Err(e) => {
                        let reason = format!("{e:#}");
                        tracing::error!(component = %id, "refused the new version; the old one keeps serving: {reason}");
                        errors.insert(id, reason);
                    }
                }
            }
            if changed || last_report.elapsed() >= Duration::from_secs(5) {
                if let Err(e) = runtime.report_status(&node, &errors).await {
                    tracing::warn!(error = %e, "could not record component status");
                }
                last_report = std::time::Instant::now();
            }
            tokio::time::sleep(interval).await;
        }
    });
}
