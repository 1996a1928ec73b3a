//! The two host-run job kinds of Web Push: `web-push` (one per notification: which
//! subscriptions want it, and what it says) and `web-push-send` (one encrypted POST to
//! one push service, retried with backoff; a 404 or 410 ends the subscription).

use aerie_contract::headers;
use aerie_contract::jobs::{WEB_PUSH_SEND, WebPushJob};
use axum::body::Body;
use http_body_util::BodyExt as _;
use serde::{Deserialize, Serialize};
use web_push_native::p256;

use super::WebPush;
use super::message::Message;
use super::params::decode_key;
use super::subscriptions::{self, Subscription};
use crate::federation::client::OutboundError;
use crate::jobs::NewJob;
use crate::runtime::Runtime;

/// How a push job ended, when not done.
#[derive(Debug)]
pub enum Failure {
    /// Try again with backoff.
    Retry(String),
    /// Dead-letter now: retrying cannot help.
    GiveUp(String),
}

/// Attempts of one push: about four minutes of backoff, enough for a push service's
/// hiccup (Mastodon retries five times); the push service keeps it 48 hours anyway.
pub const SEND_ATTEMPTS: u32 = 8;

/// The payload of a `web-push-send` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendJob {
    pub subscription: i64,
    pub message: Message,
}

/// `web-push`: renders the notification for its recipient and queues one send per
/// subscription whose alerts and policy want it. A recipient without subscriptions
/// costs one indexed read.
pub async fn fan_out(runtime: &Runtime, push: &WebPush, payload: &[u8]) -> Result<(), Failure> {
    let job = WebPushJob::parse(payload).map_err(Failure::GiveUp)?;
    let db = runtime.database();
    let retry = |e: crate::db::DbError| Failure::Retry(format!("{e}"));
    let wanting = subscriptions::of_account(db, job.recipient).await.map_err(retry)?;
    if wanting.is_empty() {
        return Ok(());
    }
    // As the recipient sees it: a notification they may not see (dismissed, its status
    // deleted or hidden from them) is not pushed.
    let Some(entity) = render(runtime, push, job.notification, job.recipient).await? else {
        return Ok(());
    };
    let Some(message) = Message::from_entity(&entity) else {
        return Err(Failure::GiveUp(format!("notification {} rendered without an id, type or account", job.notification)));
    };
    let sender = entity.pointer("/account/id").and_then(|v| v.as_str()).and_then(|id| id.parse::<i64>().ok());
    let mut sends = Vec::new();
    for subscription in wanting {
        if !subscription.wants(&message.notification_type) || !policy_allows(db, &subscription, sender).await.map_err(retry)? {
            continue;
        }
        let payload = serde_json::to_vec(&SendJob { subscription: subscription.id, message: message.clone() })
            .map_err(|e| Failure::GiveUp(e.to_string()))?;
        let mut send = NewJob::new(WEB_PUSH_SEND, payload);
        send.max_attempts = SEND_ATTEMPTS;
        send.idempotency_key = Some(format!("{WEB_PUSH_SEND} {} {}", job.notification, subscription.id));
        sends.push(runtime.jobs().enqueue(send));
    }
    for result in futures::future::join_all(sends).await {
        result.map_err(|e| Failure::Retry(format!("queueing a push: {e:#}")))?;
    }
    Ok(())
}

/// Mastodon's `policy`: `all`, `none`, `followed` (the recipient follows the sender)
/// or `follower` (the sender follows the recipient).
async fn policy_allows(db: &crate::db::Database, subscription: &Subscription, sender: Option<i64>) -> Result<bool, crate::db::DbError> {
    match (subscription.policy.as_str(), sender) {
        ("all", _) => Ok(true),
        ("followed", Some(sender)) => subscriptions::follows(db, subscription.account_id, sender).await,
        ("follower", Some(sender)) => subscriptions::follows(db, sender, subscription.account_id).await,
        _ => Ok(false),
    }
}

/// `GET /api/v1/notifications/:id` from the API component as `recipient`; `None` when
/// they may not see it.
async fn render(runtime: &Runtime, push: &WebPush, notification: i64, recipient: i64) -> Result<Option<serde_json::Value>, Failure> {
    let path = aerie_contract::events::notification_path(notification);
    let component = push
        .routes
        .find(&path)
        .and_then(|id| runtime.component(id))
        .ok_or_else(|| Failure::Retry(format!("no component serves {path}")))?;
    let request = http::Request::builder()
        .method("GET")
        .uri(&path)
        .header("host", &push.host)
        .header(headers::HOST, &push.host)
        .header(headers::SCHEME, if push.https { "https" } else { "http" })
        .header(headers::ACCOUNT_ID, recipient)
        .header(headers::SCOPES, "read")
        .header("accept", "application/json")
        .body(Body::empty())
        .map_err(|e| Failure::GiveUp(e.to_string()))?;
    let response = runtime.handle_http(&component, request, push.https).await;
    match response.status().as_u16() {
        200 => {}
        404 => return Ok(None),
        status => return Err(Failure::Retry(format!("rendering notification {notification} answered {status}"))),
    }
    let bytes = response.into_body().collect().await.map_err(|e| Failure::Retry(e.to_string()))?.to_bytes();
    serde_json::from_slice(&bytes).map(Some).map_err(|e| Failure::GiveUp(format!("notification {notification} rendered as bad JSON: {e}")))
}

/// `web-push-send`: encrypts the message for the subscription and POSTs it to its push
/// service. A subscription deleted meanwhile ends the job; 404 or 410 deletes it.
pub async fn send(runtime: &Runtime, push: &WebPush, payload: &[u8]) -> Result<(), Failure> {
    let job: SendJob = serde_json::from_slice(payload).map_err(|e| Failure::GiveUp(format!("the push payload is not readable: {e}")))?;
    let Some(federation) = runtime.federation() else {
        return Err(Failure::Retry("this node has no outbound client".into()));
    };
    let db = runtime.database();
    let Some(subscription) = subscriptions::by_id(db, job.subscription).await.map_err(|e| Failure::Retry(e.to_string()))? else {
        return Ok(());
    };
    let (url, headers, body) = request(push, &subscription, &job.message).map_err(|e| Failure::GiveUp(format!("{e:#}")))?;
    match federation.outbound.post_unsigned(url.as_str(), headers, body).await {
        Ok(_) => Ok(()),
        Err(OutboundError::NotFound(_) | OutboundError::Gone(_)) => {
            tracing::info!(subscription = subscription.id, "the push service no longer knows a subscription; removed");
            subscriptions::delete(db, subscription.id).await.map_err(|e| Failure::Retry(e.to_string()))
        }
        Err(e) if e.is_temporary() => Err(Failure::Retry(e.to_string())),
        Err(e) => Err(Failure::GiveUp(e.to_string())),
    }
}

/// The POST of one push: the body encrypted (`aes128gcm`) for the subscription's
/// `p256dh` and `auth`, with `TTL`, `Urgency` and the VAPID `Authorization`.
pub fn request(push: &WebPush, subscription: &Subscription, message: &Message) -> anyhow::Result<(reqwest::Url, http::HeaderMap, Vec<u8>)> {
    use anyhow::Context as _;
    let url = reqwest::Url::parse(&subscription.endpoint).context("the endpoint is not a URL")?;
    let public = decode_key(&subscription.key_p256dh)
        .and_then(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).ok())
        .context("the subscription's p256dh is not a P-256 key")?;
    let auth = decode_key(&subscription.key_auth).filter(|a| a.len() == 16).context("the subscription's auth is not 16 bytes")?;
    let token = push.seal.open(&subscription.access_token).context("the subscription's token does not open under this VAPID key")?;
    let plaintext = message.to_json(&token).into_bytes();
    let body = web_push_native::encrypt(plaintext, &public, web_push_native::Auth::from_slice(&auth))
        .map_err(|e| anyhow::anyhow!("encrypting the push: {e}"))?;
    let authorization = push.vapid.authorization(&url, std::time::Duration::from_secs(super::VAPID_VALID_SECS), &push.subject)?;
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/octet-stream"));
    headers.insert(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("aes128gcm"));
    headers.insert("ttl", http::HeaderValue::from(super::TTL_SECS));
    headers.insert("urgency", http::HeaderValue::from_static("normal"));
    headers.insert(http::header::AUTHORIZATION, authorization.parse().context("the VAPID header")?);
    Ok((url, headers, body))
}
