//! The fediverse domain shared by aerie's built-in components (the Mastodon API, the
//! ActivityPub documents and the inbox): what the database holds, what clients and
//! other servers read, and every state change, written once. Built on the plugin
//! SDK (`aerie_sdk`), which knows none of this vocabulary.
//!
//! - [`store`]: one module per table group, owning every SQL string for its tables
//!   and their row types.
//! - [`actions`]: one function per state change (favourite, boost, follow, ...), for
//!   a local or a remote origin: rows, counters, notifications and stream events
//!   once, returning what happened so the caller federates it (or not).
//! - Three vocabularies kept apart: [`rows`] (the database), [`entities`] (Mastodon
//!   JSON) and [`activitystreams`] (federation), with [`convert`] between them and
//!   [`time`] for their dates; [`media`]: media attachments in all three.
//! - [`visible`]: reading statuses under the one visibility rule.
//! - [`remote`]: remote actors and statuses resolved, fetched and stored;
//!   [`outbound`]: what local actions send out (activities and their audiences).
//! - [`compose`]: a local author's new status made ready to post (rendered text,
//!   URIs), for the client API and for scheduled statuses.
//! - [`stream_audience`], [`poll_end`]: the streams of a status and the end of
//!   polls, shared by the API and the inbox.

pub mod actions;
pub mod activitystreams;
pub mod compose;
pub mod convert;
pub mod custom_emoji;
pub mod emoji;
pub mod entities;
pub mod filtering;
pub mod media;
pub mod notification_policy;
/// The contract shared with the host: visibility, paging, header names, jobs, events, scopes.
pub use aerie_contract as contract;
/// Status text the Mastodon way: extracting, rendering, counting, sanitizing.
pub use aerie_text as text;
pub mod outbound;
pub mod poll_end;
pub mod remote;
pub mod rows;
pub mod store;
pub mod stream_audience;
pub mod time;
pub mod visible;
