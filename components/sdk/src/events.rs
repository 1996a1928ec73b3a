//! Streaming events through the host's `aerie:host/events` capability: say what
//! happened (kind, id, streams); the host renders it per subscriber by asking this
//! component for the entity as that subscriber.

#[cfg(not(all(feature = "native-harness", not(target_arch = "wasm32"))))]
use crate::bindings::aerie::host::events as host;
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
use crate::harness::events as host;
use aerie_contract::events::{direct_stream, user_stream};
use host::EventKind;

/// A new status `id` for `streams` (`user:<id>`, `public`, `public:local`, `hashtag:<name>`, ...).
pub fn status_created(id: i64, streams: &[String]) {
    host::publish(EventKind::Update, id, streams);
}

/// Status `id` was edited.
pub fn status_edited(id: i64, streams: &[String]) {
    host::publish(EventKind::StatusUpdate, id, streams);
}

/// Status `id` was deleted.
pub fn status_deleted(id: i64, streams: &[String]) {
    host::publish(EventKind::Delete, id, streams);
}

/// Notification `id` for its recipient, `account_id`.
pub fn notification(id: i64, account_id: i64) {
    host::publish(EventKind::Notification, id, &[user_stream(account_id)]);
}

/// Account `account_id`'s direct conversation `id` changed (a status joined it).
pub fn conversation(id: i64, account_id: i64) {
    host::publish(EventKind::Conversation, id, &[direct_stream(account_id)]);
}
