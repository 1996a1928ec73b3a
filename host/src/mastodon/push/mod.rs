//! Web Push (RFC 8030), as Mastodon sends it: clients subscribe at
//! `/api/v1/push/subscription` ([`api`]); each new notification is queued by
//! aerie-core's `notify` as a `web-push` job, which the host fans out ([`jobs`]) to
//! the recipient's subscriptions whose alerts and policy want it, one `web-push-send`
//! job each: the message ([`message`]) encrypted for the subscription (RFC 8291
//! `aes128gcm`, web-push-native) and signed with the instance's VAPID key (RFC 8292,
//! [`vapid`]), POSTed through federation's outbound client and address policy.
//!
//! In the host, not a component, because it holds secrets no component may reach:
//! the VAPID private key, the subscriptions' keys and their access tokens.

pub mod api;
pub mod jobs;
pub mod message;
pub mod params;
pub mod sealed_token;
pub mod subscriptions;
pub mod vapid;

use crate::server::routes::RouteTable;

/// How long a push service keeps an undelivered push (`TTL`, seconds): Mastodon's 48 hours.
pub const TTL_SECS: u64 = 48 * 3600;
/// How long a VAPID token is good for: Mastodon's 12 hours (RFC 8292 allows 24).
pub const VAPID_VALID_SECS: u64 = 12 * 3600;

/// What a node needs to push.
pub struct WebPush {
    pub vapid: vapid::VapidKey,
    /// Seals the subscribing tokens kept for the payload (derived from the VAPID key).
    pub seal: sealed_token::TokenSeal,
    /// The VAPID `sub`: the instance's contact address, or its URL.
    pub subject: String,
    /// Where the notifications are rendered (the API component's routes).
    pub routes: RouteTable,
    /// The public `scheme://host` of rendered URLs (avatars).
    pub https: bool,
    pub host: String,
}

impl WebPush {
    pub fn new(config: &crate::config::Config, vapid: vapid::VapidKey, routes: RouteTable) -> WebPush {
        let contact = config.instance.contact_email.trim();
        let subject =
            if contact.is_empty() { format!("{}://{}", config.scheme(), config.web_domain()) } else { format!("mailto:{contact}") };
        let seal = sealed_token::TokenSeal::new(&vapid.secret_bytes());
        WebPush { vapid, seal, subject, routes, https: config.scheme() == "https", host: config.web_domain().to_string() }
    }
}
