//! Who listens to what on this node, and the loop that turns bus events into
//! messages for them: match each event against every subscription, render it once per
//! distinct viewer, and queue it to each matching connection.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt as _;
use tokio::sync::{broadcast, mpsc};

use super::channels::Channel;
use super::render::Renderer;
use super::{Listener, Origin};
use crate::events::{Event, EventBus};

/// How many rendered messages may wait for a slow connection before it misses some.
pub const QUEUE: usize = 256;
/// How many renders of one event run at once.
const RENDER_CONCURRENCY: usize = 32;

/// One message for one connection.
#[derive(Debug, Clone)]
pub struct Message {
    /// The `stream` array (`["user"]`, `["hashtag", "rust"]`).
    pub label: Vec<String>,
    /// `update`, `status.update`, `delete`, `notification`.
    pub event: String,
    /// A JSON entity as text, or a status id for `delete`.
    pub payload: Arc<str>,
}

/// Connections that see an event the same way share one rendering: same account,
/// same public host and scheme.
type ViewerKey = (Option<i64>, String, bool);
/// Where one rendered event goes: the channel label and the connection's queue.
type Target = (Vec<String>, mpsc::Sender<Message>);

struct Subscription {
    listener: Listener,
    origin: Origin,
    channels: Vec<Channel>,
    sender: mpsc::Sender<Message>,
}

#[derive(Default)]
pub struct Hub {
    subscriptions: Mutex<HashMap<u64, Subscription>>,
    next_id: AtomicU64,
}

/// A connection's place in the hub; leaving it (drop) unsubscribes everything.
pub struct Connection {
    hub: Arc<Hub>,
    id: u64,
}

impl Hub {
    pub fn new() -> Arc<Hub> {
        Arc::new(Hub::default())
    }

    /// Registers a connection; messages arrive on the returned receiver.
    pub fn connect(self: &Arc<Hub>, listener: Listener, origin: Origin) -> (Connection, mpsc::Receiver<Message>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.subscriptions.lock().unwrap().insert(id, Subscription { listener, origin, channels: Vec::new(), sender });
        (Connection { hub: self.clone(), id }, receiver)
    }

    /// How many connections are open on this node.
    pub fn connections(&self) -> usize {
        self.subscriptions.lock().unwrap().len()
    }

    /// Starts the loop that delivers `bus` events to this node's connections.
    pub fn spawn(self: &Arc<Hub>, bus: &EventBus, renderer: Renderer) {
        let hub = self.clone();
        let mut events = bus.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => hub.deliver(&event, &renderer).await,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "streaming fell behind the event bus; some events were not delivered");
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
    }

    async fn deliver(&self, event: &Event, renderer: &Renderer) {
        // (connection, label, sender) for every matching channel, grouped by viewer.
        let mut groups: HashMap<ViewerKey, (Listener, Origin, Vec<Target>)> = HashMap::new();
        {
            let subscriptions = self.subscriptions.lock().unwrap();
            for sub in subscriptions.values() {
                for channel in &sub.channels {
                    if channel.accepts(&event.kind) && event.streams.contains(&channel.key) {
                        let key = (sub.listener.account_id, sub.origin.host.clone(), sub.origin.https);
                        let group = groups.entry(key).or_insert_with(|| (sub.listener.clone(), sub.origin.clone(), Vec::new()));
                        group.2.push((channel.label.clone(), sub.sender.clone()));
                    }
                }
            }
        }
        if groups.is_empty() {
            return;
        }
        let renders = futures::stream::iter(groups.into_values())
            .map(|(listener, origin, targets)| async move {
                let payload = renderer.render(&event.kind, event.id, &listener, &origin).await;
                (payload, targets)
            })
            .buffer_unordered(RENDER_CONCURRENCY);
        futures::pin_mut!(renders);
        while let Some((payload, targets)) = renders.next().await {
            // Nothing to send when the viewer may not see it (the API said 404).
            let Some(payload) = payload else { continue };
            for (label, sender) in targets {
                let message = Message { label, event: event.kind.clone(), payload: payload.clone() };
                if sender.try_send(message).is_err() {
                    tracing::debug!("a streaming connection is too slow or gone; dropped one event for it");
                }
            }
        }
    }
}

impl Connection {
    /// Adds `channel` (a repeat is ignored).
    pub fn subscribe(&self, channel: Channel) {
        if let Some(sub) = self.hub.subscriptions.lock().unwrap().get_mut(&self.id)
            && !sub.channels.contains(&channel)
        {
            sub.channels.push(channel);
        }
    }

    /// Removes `channel`.
    pub fn unsubscribe(&self, channel: &Channel) {
        if let Some(sub) = self.hub.subscriptions.lock().unwrap().get_mut(&self.id) {
            sub.channels.retain(|c| c != channel);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.hub.subscriptions.lock().unwrap().remove(&self.id);
    }
}
