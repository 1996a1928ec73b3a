//! The host↔component contract: what both sides must agree on, each written once.
//! The rules of the data model that every path must apply the same way:
//!
//! - [`visibility`]: who may see a status (one SQL predicate, used by API reads,
//!   timelines, search, streaming, notifications, HTML pages and ActivityPub fetches);
//! - [`paging`]: Mastodon's `max_id` / `since_id` / `min_id` / `limit` over
//!   time-ordered ids;
//! - [`home`]: who is in a viewer's home timeline, and the statements that read a
//!   page of it without walking the whole table;
//! - [`headers`]: the `x-aerie-*` request headers the host sets for components;
//! - [`jobs`]: job kinds and their payloads ([`jobs::InboxJob`], [`jobs::BackfillJob`],
//!   [`jobs::RepliesJob`]);
//! - [`events`]: the streaming event kinds, the paths the host renders them at and the
//!   stream keys they are published to;
//! - [`uris`]: the URI layout of local actors, statuses, collections and activities;
//! - [`blob_keys`]: the blob store keys components write and where the host serves them;
//! - [`scopes`]: Mastodon's OAuth scopes and which covers which;
//! - [`placeholders`]: the portable SQL's `$1..$n` placeholders, rewritten for SQLite.
//!
//! Dependency-light (no regex, no HTML), so the host and wasm32-wasip2 components
//! share it as is.

pub mod blob_keys;
pub mod events;
pub mod headers;
pub mod home;
pub mod home_tags;
pub mod jobs;
pub mod paging;
pub mod placeholders;
pub mod scopes;
pub mod uris;
pub mod visibility;
