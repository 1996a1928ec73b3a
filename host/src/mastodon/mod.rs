//! What the host must know of Mastodon, in one place, so "thin host" can be checked by
//! reading one folder. Everything else Mastodon clients see is the `mastodon-api`
//! component's.
//!
//! These parts stay in the host because a component cannot do them: they handle
//! secrets no component may reach, hold connections open across requests, count every
//! request before a component runs, or stream files straight from the blob store.
//!
//! - [`oauth`] (with its consent page, `oauth_page`): app registration, the
//!   authorization page, the token endpoint, revocation — client secrets and token
//!   hashes live in host-only tables.
//! - [`tokens`]: issuing access tokens and resolving a presented bearer token into the
//!   account, app and scopes the dispatcher hands on as host-set headers.
//! - [`scopes`]: Mastodon's scope names and which scope covers which.
//! - [`streaming`]: the streaming API (WebSocket and Server-Sent Events), long-lived
//!   connections fed from the event bus.
//! - [`rate_limit`]: the client API's rate limit, counted before the component runs.
//! - [`push`]: Web Push subscriptions and the encrypted, VAPID-signed pushes of new
//!   notifications — the VAPID key, the subscriptions' keys and tokens are secrets.
//! - [`media_files`]: uploaded media and profile images served from the blob store at
//!   `/system/media/*` and `/system/accounts/*`.

pub mod media_files;
pub mod oauth;
mod oauth_page;
pub mod push;
pub mod rate_limit;
pub mod scopes;
pub mod streaming;
pub mod tokens;
pub mod userinfo;
