//! Job kinds and payloads that a producer and a handler on different sides (or in
//! different components) must agree on: who enqueues which kind, and the shape of
//! the `inbox` job the host queues for the `inbox` component.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A verified incoming activity (queued by the host's inbox routes, handled by the
/// `inbox` component); the payload is an [`InboxJob`].
pub const INBOX: &str = "inbox";
/// The first posts of a newly met account (queued by aerie-core's `remote`, handled
/// by the `inbox` component); the payload is a [`BackfillJob`].
pub const BACKFILL: &str = "backfill";
/// A remote thread's replies, fetched when a client opens it (queued by aerie-core's
/// `remote`, handled by the `inbox` component); the payload is a [`RepliesJob`].
pub const REPLIES: &str = "replies";
/// The notifications of an ended poll (queued and run by aerie-core's `poll_end`,
/// in the `inbox` component).
pub const POLL_END: &str = "poll-end";
/// A scheduled status whose time came (queued by aerie-core's `actions::scheduled`
/// from the client API, run by it in the `inbox` component); the payload is its id.
pub const SCHEDULED_STATUS: &str = "scheduled-status";
/// The jobs the built-in `inbox` component handles (its manifest entry's `jobs`).
pub const INBOX_COMPONENT_KINDS: &[&str] = &[INBOX, BACKFILL, REPLIES, POLL_END, SCHEDULED_STATUS];

/// One signed POST of an activity to a remote inbox (queued and run by the host).
pub const DELIVER: &str = "deliver";
/// The recurring clean-up of finished jobs (queued and run by the host).
pub const PRUNE: &str = "prune-jobs";

/// A new notification's Web Push (queued by aerie-core's `notify` for every
/// notification, run by the host: it finds the recipient's push subscriptions that
/// want it and queues one [`WEB_PUSH_SEND`] each); the payload is a [`WebPushJob`].
pub const WEB_PUSH: &str = "web-push";
/// One encrypted push to one subscription's push service (queued and run by the host,
/// which alone holds the VAPID key).
pub const WEB_PUSH_SEND: &str = "web-push-send";

/// The kinds only the host queues: each carries something the host vouches for (an
/// inbox job a verified signature, a delivery the sender it signs as, a push the
/// device it reaches), so a component's queue grant never reaches them.
pub const HOST_QUEUED_KINDS: &[&str] = &[INBOX, DELIVER, PRUNE, WEB_PUSH_SEND];

/// The payload of a [`WEB_PUSH`] job, as JSON: `{"notification": ID, "recipient": ID}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebPushJob {
    /// The notification's id.
    pub notification: i64,
    /// The local account it is for.
    pub recipient: i64,
}

impl WebPushJob {
    /// The payload's bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("two integers serialize")
    }

    /// Reads a payload.
    pub fn parse(bytes: &[u8]) -> Result<WebPushJob, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("the web-push payload is not readable: {e}"))
    }
}

/// The payload of an [`INBOX`] job, as JSON:
///
/// ```json
/// {"activity": {...as received, or as refetched from its origin...},
///  "signer": "https://remote/users/a", "verified": true, "recipient": 123}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxJob {
    /// The activity as received (or as its origin serves it).
    pub activity: Value,
    /// The actor whose key signed the request (or who vouches for the activity).
    pub signer: String,
    /// Whether the signer is the activity's actor (else: a relay or a forward, and
    /// embedded objects are refetched from their origin before use).
    pub verified: bool,
    /// The local account whose inbox it was posted to; `None` for the shared inbox.
    pub recipient: Option<i64>,
}

impl InboxJob {
    /// Reads a payload tolerantly: `recipient` may be a number or a decimal string,
    /// a missing `signer` is empty and a missing `verified` is false; a bare activity
    /// (no wrapper, but a `type`) is read as unverified.
    pub fn parse(bytes: &[u8]) -> Result<InboxJob, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("the payload is not JSON: {e}"))?;
        if !value.is_object() {
            return Err("the payload is not a JSON object".into());
        }
        let Some(activity) = value.get("activity") else {
            if value.get("type").is_some() {
                return Ok(InboxJob { activity: value, signer: String::new(), verified: false, recipient: None });
            }
            return Err("the payload has no activity".into());
        };
        if !activity.is_object() {
            return Err("the activity is not a JSON object".into());
        }
        let recipient = match value.get("recipient") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        Ok(InboxJob {
            activity: activity.clone(),
            signer: value.get("signer").and_then(Value::as_str).unwrap_or_default().to_string(),
            verified: value.get("verified").and_then(Value::as_bool).unwrap_or(false),
            recipient,
        })
    }

    /// The payload as the host queues it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a JSON value and plain fields always serialize")
    }
}

/// The payload of a [`BACKFILL`] job, as JSON: `{"account": 123}`, the id of the
/// remote account whose pinned and latest public posts to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillJob {
    /// The `accounts` row of the remote account.
    pub account: i64,
}

impl BackfillJob {
    /// Reads a payload; `Err` says what is wrong with it (not JSON, no account id).
    pub fn parse(bytes: &[u8]) -> Result<BackfillJob, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("the payload names no account: {e}"))
    }

    /// The payload as it is queued.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an integer field always serializes")
    }
}

/// The payload of a [`REPLIES`] job, as JSON: `{"status": 123}`, the id of the remote
/// status whose replies to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepliesJob {
    /// The `statuses` row of the remote status.
    pub status: i64,
}

impl RepliesJob {
    /// Reads a payload; `Err` says what is wrong with it (not JSON, no status id).
    pub fn parse(bytes: &[u8]) -> Result<RepliesJob, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("the payload names no status: {e}"))
    }

    /// The payload as it is queued.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an integer field always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_host_writes_the_inbox_reads() {
        let job = InboxJob {
            activity: serde_json::json!({"type": "Like", "actor": "https://a/u"}),
            signer: "https://a/u".into(),
            verified: true,
            recipient: Some(7),
        };
        assert_eq!(InboxJob::parse(job.to_json().as_bytes()).unwrap(), job);
        let shared = InboxJob { recipient: None, ..job };
        assert!(shared.to_json().contains(r#""recipient":null"#), "{}", shared.to_json());
        assert_eq!(InboxJob::parse(shared.to_json().as_bytes()).unwrap(), shared);
    }

    #[test]
    fn backfill_and_replies_payloads() {
        let backfill = BackfillJob { account: 42 };
        assert_eq!(backfill.to_json(), r#"{"account":42}"#);
        assert_eq!(BackfillJob::parse(backfill.to_json().as_bytes()).unwrap(), backfill);
        assert!(BackfillJob::parse(b"{}").is_err() && BackfillJob::parse(b"{\"account\": \"x\"}").is_err());
        let replies = RepliesJob { status: 7 };
        assert_eq!(replies.to_json(), r#"{"status":7}"#);
        assert_eq!(RepliesJob::parse(replies.to_json().as_bytes()).unwrap(), replies);
        assert!(RepliesJob::parse(b"[]").is_err());
    }
}
