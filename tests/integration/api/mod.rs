//! The Mastodon client API as clients use it: OAuth, real client libraries, media and
//! avatars, timelines, visibility through every path, polls, streaming, filters, and the API's
//! edge hardening.

mod avatars;
mod clients;
mod filters;
mod hardening;
mod home_timeline;
mod media;
mod oauth;
mod polls;
mod streaming;
mod visibility;
