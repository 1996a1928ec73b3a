//! The database, one module per table group. Each module owns every SQL string for
//! its tables (reads, writes and the counters other tables keep of them) and the
//! typed rows it returns; nothing else in the components workspace writes SQL for
//! those tables.
//!
//! Conventions (follow them when adding a module):
//! - Functions take the handle the SDK offers, `db: &impl Handle` (a
//!   [`Transaction`](aerie_sdk::db::Transaction) or [`Autocommit`](aerie_sdk::db::Autocommit)),
//!   so the caller (an [`action`](crate::actions)) decides what commits together;
//!   they return typed values or rows, never [`Rows`](aerie_sdk::db::Rows).
//! - A write keeps the counters its rows feed (`statuses.favourites_count` for a
//!   favourite): inserting reports whether a row was added, and the counter moves
//!   only then, so retries and duplicates never count twice.
//! - No notifications, stream events or federation here: those belong to actions.
//! - Ids and times come from the caller (`settings::next_id`, `settings::now_millis`),
//!   so an action can use the id before or after writing (a Like's URI names it).
//! - Fragments other queries embed (a `JOIN` for a page of statuses) are constants
//!   of the module that owns the table.

pub mod account_conversations;
pub mod accounts;
pub mod announcements;
pub mod blocks;
pub mod bookmarks;
pub mod conversations;
pub mod custom_emojis;
pub mod endorsements;
pub mod favourites;
pub mod featured_tags;
pub mod filters;
pub mod followed_tags;
pub mod follows;
pub mod idempotency_keys;
pub mod instance;
pub mod instance_info;
pub mod instance_texts;
pub mod lists;
pub mod markers;
pub mod media;
pub mod mentions;
pub mod notification_requests;
pub mod notifications;
pub mod pins;
pub mod poll_views;
pub mod polls;
pub mod reblogs;
pub mod relationships;
pub mod reports;
pub mod scheduled_statuses;
pub mod status_audience;
pub mod status_edits;
pub mod status_pages;
pub mod statuses;
pub mod subscribers;
pub mod suggestions;
pub mod tags;
pub mod timelines;
pub mod trends;
pub mod users;
