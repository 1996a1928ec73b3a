//! Notifications once written: the recipients' streams hear of them, and their push
//! subscriptions are served, after the transaction that wrote them
//! ([`crate::store::notifications`]) commits.

use aerie_sdk::queue::{self, JobOptions};
use aerie_sdk::{events, log};

use crate::contract::jobs::{WEB_PUSH, WebPushJob};
use crate::store::notifications::Notice;

/// Tells the recipients' streams, after the transaction that wrote them committed,
/// and queues each notification's Web Push: the host finds the recipient's push
/// subscriptions that want it (the subscriptions, their keys and the VAPID key are
/// the host's alone).
pub fn publish(notices: impl IntoIterator<Item = Notice>) {
    for notice in notices {
        events::notification(notice.id, notice.recipient);
        queue_push(&notice);
    }
}

/// Best effort, like the stream event: the notification itself is stored either way.
fn queue_push(notice: &Notice) {
    let job = WebPushJob { notification: notice.id, recipient: notice.recipient };
    let options = JobOptions { delay_ms: None, idempotency_key: Some(format!("{WEB_PUSH} {}", notice.id)), max_attempts: Some(5) };
    if let Err(error) = queue::enqueue(WEB_PUSH, &job.to_json(), &options) {
        log::warn(&format!("queueing the web push of notification {}: {error:?}", notice.id));
    }
}
