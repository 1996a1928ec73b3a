//! The Mastodon client API as clients use it: OAuth, real client libraries, browsers
//! calling cross-origin (CORS), media and avatars, timelines, visibility through every
//! path, polls, scheduled statuses, streaming, and the API's edge hardening.

mod avatars;
mod clients;
mod cors;
mod cors_browser;
mod hardening;
mod home_timeline;
mod media;
mod oauth;
mod polls;
mod scheduled_statuses;
mod streaming;
mod visibility;
