//! Who listens to what on this node, and the loop that turns bus events into
//! messages for them: find each event's subscribers, render it once per distinct
//! viewer, and queue it to each matching connection.
//!
//! Subscriptions are indexed by the bus key they listen to, so an event costs one
//! lookup per stream key it names plus its actual subscribers, however many other
//! subscriptions the node holds; and each connection may hold at most
//! [`MAX_CHANNELS`] of them (Mastodon's clients open a handful), so one client cannot
//! make the index, or the hub's lock, its own.

use std::collections::{HashMap, HashSet};
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
/// How many channels one connection may subscribe to (each hashtag and list counts).
pub const MAX_CHANNELS: usize = 100;

/// One message for one connection.
#[derive(Debug, Clone)]
pub struct Message {
    /// The `stream` array (`["user"]`, `["hashtag", "rust"]`).
    pub label: Vec<String>,
    /// `update`, `status.update`, `delete`, `notification`, `conversation`.
    pub event: String,
    /// A JSON entity as text, or a status id for `delete`.
    pub payload: Arc<str>,
}

/// Connections that see an event the same way share one rendering: same account,
/// same public host and scheme, and for a status the same filter context.
type ViewerKey = (Option<i64>, String, bool, Option<&'static str>);
/// Where one rendered event goes: the channel label and the connection's queue.
type Target = (Vec<String>, mpsc::Sender<Message>);

struct Subscriber {
    listener: Listener,
    origin: Origin,
    channels: HashSet<Arc<Channel>>,
    sender: mpsc::Sender<Message>,
}

/// The connections and the index of their channels by bus key, kept in step under
/// one lock.
#[derive(Default)]
struct Registry {
    connections: HashMap<u64, Subscriber>,
    /// Bus key → the (connection, channel) pairs listening to it. Several channels
    /// can share a key (`user` and `user:notification`), each with its own label.
    by_key: HashMap<String, HashSet<(u64, Arc<Channel>)>>,
}

impl Registry {
    fn unindex(&mut self, id: u64, channel: Arc<Channel>) {
        if let Some(listeners) = self.by_key.get_mut(&channel.key) {
            listeners.remove(&(id, channel.clone()));
            if listeners.is_empty() {
                self.by_key.remove(&channel.key);
            }
        }
    }
}

#[derive(Default)]
pub struct Hub {
    registry: Mutex<Registry>,
    next_id: AtomicU64,
}

/// A subscription refused because the connection holds [`MAX_CHANNELS`] already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyChannels;

impl std::fmt::Display for TooManyChannels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Too many subscriptions on this connection (at most {MAX_CHANNELS}); unsubscribe from a stream before adding another")
    }
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
        let subscriber = Subscriber { listener, origin, channels: HashSet::new(), sender };
        self.registry.lock().unwrap().connections.insert(id, subscriber);
        (Connection { hub: self.clone(), id }, receiver)
    }

    /// How many connections are open on this node.
    pub fn connections(&self) -> usize {
        self.registry.lock().unwrap().connections.len()
    }

    /// How many bus keys have listeners on this node (what the index holds).
    pub fn indexed_keys(&self) -> usize {
        self.registry.lock().unwrap().by_key.len()
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

    /// Every connection channel `event` goes to, grouped by viewer. Only the event's
    /// own keys are looked at, each once (a key may be listed twice).
    fn targets(&self, event: &Event) -> HashMap<ViewerKey, (Listener, Origin, Vec<Target>)> {
        let mut groups: HashMap<ViewerKey, (Listener, Origin, Vec<Target>)> = HashMap::new();
        let is_status = matches!(event.kind.as_str(), aerie_contract::events::UPDATE | aerie_contract::events::STATUS_UPDATE);
        let registry = self.registry.lock().unwrap();
        let mut seen = HashSet::with_capacity(event.streams.len());
        for key in &event.streams {
            let Some(listeners) = registry.by_key.get(key) else { continue };
            if !seen.insert(key.as_str()) {
                continue;
            }
            for (id, channel) in listeners {
                let Some(sub) = registry.connections.get(id).filter(|_| channel.accepts(&event.kind)) else { continue };
                // Filters are the account's: anonymous listeners have none.
                let context = channel.filter_context().filter(|_| is_status && sub.listener.account_id.is_some());
                let key = (sub.listener.account_id, sub.origin.host.clone(), sub.origin.https, context);
                let group = groups.entry(key).or_insert_with(|| (sub.listener.clone(), sub.origin.clone(), Vec::new()));
                group.2.push((channel.label.clone(), sub.sender.clone()));
            }
        }
        groups
    }

    async fn deliver(&self, event: &Event, renderer: &Renderer) {
        let groups = self.targets(event);
        if groups.is_empty() {
            return;
        }
        // Owned values only in the futures (a borrowed context makes them not `Send`
        // for every lifetime, which `tokio::spawn` needs).
        let groups: Vec<_> =
            groups.into_iter().map(|(key, (listener, origin, targets))| (listener, origin, key.3.map(String::from), targets)).collect();
        let renders = futures::stream::iter(groups)
            .map(|(listener, origin, context, targets)| async move {
                let payload = renderer.render(&event.kind, event.id, &listener, &origin, context.as_deref()).await;
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
    /// Adds `channel`; a repeat is accepted and changes nothing. Refused when the
    /// connection holds [`MAX_CHANNELS`] already.
    pub fn subscribe(&self, channel: Channel) -> Result<(), TooManyChannels> {
        let mut registry = self.hub.registry.lock().unwrap();
        let Registry { connections, by_key } = &mut *registry;
        let Some(sub) = connections.get_mut(&self.id) else { return Ok(()) };
        if sub.channels.contains(&channel) {
            return Ok(());
        }
        if sub.channels.len() >= MAX_CHANNELS {
            return Err(TooManyChannels);
        }
        let channel = Arc::new(channel);
        sub.channels.insert(channel.clone());
        by_key.entry(channel.key.clone()).or_default().insert((self.id, channel));
        Ok(())
    }

    /// Removes `channel` (one not subscribed is ignored).
    pub fn unsubscribe(&self, channel: &Channel) {
        let mut registry = self.hub.registry.lock().unwrap();
        let removed = registry.connections.get_mut(&self.id).and_then(|sub| sub.channels.take(channel));
        if let Some(channel) = removed {
            registry.unindex(self.id, channel);
        }
    }

    /// How many channels this connection holds.
    pub fn channels(&self) -> usize {
        self.hub.registry.lock().unwrap().connections.get(&self.id).map_or(0, |sub| sub.channels.len())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut registry = self.hub.registry.lock().unwrap();
        if let Some(sub) = registry.connections.remove(&self.id) {
            for channel in sub.channels {
                registry.unindex(self.id, channel);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin { https: false, host: "social.example".into() }
    }

    fn tag(name: &str) -> Channel {
        Channel::parse("hashtag", Some(name), None, None).unwrap()
    }

    #[test]
    fn subscriptions_are_a_set_capped_per_connection() {
        let hub = Hub::new();
        let (connection, _messages) = hub.connect(Listener::default(), origin());
        connection.subscribe(tag("rust")).unwrap();
        connection.subscribe(tag("rust")).unwrap();
        assert_eq!(connection.channels(), 1, "a repeated subscribe changes nothing");
        for n in 1..MAX_CHANNELS {
            connection.subscribe(tag(&format!("tag{n}"))).unwrap();
        }
        assert_eq!(connection.channels(), MAX_CHANNELS);
        assert_eq!(connection.subscribe(tag("one-too-many")), Err(TooManyChannels));
        assert_eq!(connection.subscribe(tag("rust")), Ok(()), "one already held is still fine at the cap");
        connection.unsubscribe(&tag("rust"));
        connection.unsubscribe(&tag("rust"));
        assert_eq!(connection.channels(), MAX_CHANNELS - 1, "a repeated unsubscribe changes nothing");
        connection.subscribe(tag("one-too-many")).unwrap();
    }

    #[test]
    fn the_index_follows_subscribes_unsubscribes_and_hang_ups() {
        let hub = Hub::new();
        let (a, _a) = hub.connect(Listener::default(), origin());
        let (b, _b) = hub.connect(Listener::default(), origin());
        // Two channels on one key (`public` and `public:allow_local_only`), one shared tag.
        a.subscribe(Channel::parse("public", None, None, None).unwrap()).unwrap();
        a.subscribe(Channel::parse("public:allow_local_only", None, None, None).unwrap()).unwrap();
        a.subscribe(tag("rust")).unwrap();
        b.subscribe(tag("rust")).unwrap();
        assert_eq!(hub.indexed_keys(), 2);
        a.unsubscribe(&Channel::parse("public", None, None, None).unwrap());
        assert_eq!(hub.indexed_keys(), 2, "`public:allow_local_only` still listens to `public`");
        drop(a);
        assert_eq!((hub.connections(), hub.indexed_keys()), (1, 1));
        drop(b);
        assert_eq!((hub.connections(), hub.indexed_keys()), (0, 0));
    }

    #[test]
    fn an_event_reaches_only_the_channels_on_its_keys_once_each() {
        let hub = Hub::new();
        let (connection, _messages) = hub.connect(Listener::default(), origin());
        connection.subscribe(tag("rust")).unwrap();
        connection.subscribe(Channel::parse("public:local", None, None, None).unwrap()).unwrap();
        connection.subscribe(tag("go")).unwrap();
        let (_other, _) = hub.connect(Listener::default(), origin());
        let streams = vec!["hashtag:rust".into(), "hashtag:rust".into(), "public:local".into(), "hashtag:zig".into()];
        let groups = hub.targets(&Event { kind: "update".into(), id: 7, streams });
        let mut labels: Vec<Vec<String>> = groups.into_values().flat_map(|(_, _, targets)| targets).map(|(label, _)| label).collect();
        labels.sort();
        assert_eq!(labels, vec![vec!["hashtag".to_string(), "rust".to_string()], vec!["public:local".to_string()]]);
        // A notification goes to user channels only.
        let groups = hub.targets(&Event { kind: "notification".into(), id: 8, streams: vec!["hashtag:rust".into()] });
        assert!(groups.is_empty());
    }
}
