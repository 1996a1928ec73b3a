//! The Mastodon client API as clients use it: OAuth, real client libraries, media and
//! avatars, timelines, lists, filters, visibility through every path, polls, streaming,
//! and the API's edge hardening.

mod avatars;
mod clients;
mod filters;
mod hardening;
mod home_timeline;
mod lists;
mod lists_client;
mod media;
mod oauth;
mod polls;
mod streaming;
mod visibility;
