//! The event bus behind Mastodon's streaming API.
//!
//! Components publish *what happened* as ids ([`Event`]: a kind, an id, the streams it
//! concerns), never rendered JSON. On one node (SQLite) events go straight to the
//! node's subscribers; with PostgreSQL they go out with `NOTIFY` and every node —
//! this one included — receives them with `LISTEN`, so a post made through one node
//! reaches streaming clients connected to another. `crate::mastodon::streaming`
//! renders each event per subscriber.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::db::{Database, Engine};

/// The PostgreSQL channel events travel on.
pub const CHANNEL: &str = "aerie_events";
/// NOTIFY payloads must stay under 8000 bytes; longer stream lists are split.
const MAX_PAYLOAD: usize = 7000;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `update`, `status.update`, `delete`, `notification`.
    pub kind: String,
    pub id: i64,
    /// `user:<id>`, `public`, `public:local`, `hashtag:<name>`, `direct:<id>`, ...
    pub streams: Vec<String>,
}

/// Publishes events and hands them to this node's subscribers.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Arc<Event>>,
    /// With PostgreSQL: events go through NOTIFY, and a listener feeds `local`.
    database: Option<Database>,
}

impl EventBus {
    /// An in-process bus (one node).
    pub fn in_process() -> EventBus {
        EventBus { local: broadcast::channel(4096).0, database: None }
    }

    /// A bus for `database`: in-process on SQLite; LISTEN/NOTIFY on PostgreSQL, with a
    /// listener task on `url` that reconnects when the connection drops.
    pub fn start(database: &Database, url: &str) -> EventBus {
        let mut bus = EventBus::in_process();
        if database.engine() == Engine::Postgres {
            bus.database = Some(database.clone());
            spawn_listener(url.to_string(), bus.local.clone());
        }
        bus
    }

    /// Receives this node's events.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.local.subscribe()
    }

    /// Publishes `event` to every node's subscribers. Best effort: errors are logged.
    pub async fn publish(&self, event: Event) {
        let Some(database) = &self.database else {
            let _ = self.local.send(Arc::new(event));
            return;
        };
        for part in split(event) {
            let payload = serde_json::to_string(&part).unwrap_or_default();
            if let Err(e) = database.execute("SELECT pg_notify($1, $2)", vec![CHANNEL.into(), payload.into()]).await {
                tracing::warn!(error = %e, "publishing a streaming event failed");
            }
        }
    }
}

/// Splits an event whose stream list would not fit one NOTIFY payload.
fn split(event: Event) -> Vec<Event> {
    let mut parts = Vec::new();
    let mut current = Vec::new();
    let mut size = 100 + event.kind.len();
    for stream in event.streams {
        if size + stream.len() + 3 > MAX_PAYLOAD && !current.is_empty() {
            parts.push(Event { kind: event.kind.clone(), id: event.id, streams: std::mem::take(&mut current) });
            size = 100 + event.kind.len();
        }
        size += stream.len() + 3;
        current.push(stream);
    }
    parts.push(Event { kind: event.kind, id: event.id, streams: current });
    parts
}

fn spawn_listener(url: String, local: broadcast::Sender<Arc<Event>>) {
    tokio::spawn(async move {
        loop {
            match listen(&url, &local).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "the streaming event listener lost PostgreSQL; reconnecting in 1 s");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    });
}

async fn listen(url: &str, local: &broadcast::Sender<Arc<Event>>) -> anyhow::Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        match serde_json::from_str::<Event>(notification.payload()) {
            Ok(event) => {
                let _ = local.send(Arc::new(event));
            }
            Err(e) => tracing::warn!(error = %e, "ignoring a malformed streaming event"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_stream_lists_are_split_under_the_notify_limit() {
        let streams: Vec<String> = (0..2000).map(|i| format!("user:{}", 100_000_000_000_000_000i64 + i)).collect();
        let parts = split(Event { kind: "update".into(), id: 7, streams: streams.clone() });
        assert!(parts.len() > 1);
        for part in &parts {
            assert!(serde_json::to_string(part).unwrap().len() < 8000);
        }
        let joined: Vec<String> = parts.into_iter().flat_map(|p| p.streams).collect();
        assert_eq!(joined, streams);
    }
}
