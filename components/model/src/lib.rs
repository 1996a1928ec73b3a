//! The rules of the data model that every path must apply the same way, in one place:
//!
//! - [`visibility`]: who may see a status (one SQL predicate, used by API reads,
//!   timelines, search, streaming, notifications, HTML pages and ActivityPub fetches);
//! - [`paging`]: Mastodon's `max_id` / `since_id` / `min_id` / `limit` over
//!   time-ordered ids;
//! - [`home`]: who is in a viewer's home timeline, and the statements that read a
//!   page of it without walking the whole table.
//!
//! No dependencies, so the host and wasm32-wasip2 components share it as is.

pub mod home;
pub mod paging;
pub mod visibility;
