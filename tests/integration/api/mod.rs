//! The Mastodon client API as clients use it: OAuth, real client libraries, browsers
//! calling cross-origin (CORS), media and avatars, timelines, lists, filters, visibility
//! through every path, polls, scheduled statuses, streaming, and the API's edge hardening.

mod announcements;
mod avatars;
mod clients;
mod conversations;
mod conversations_client;
mod cors;
mod cors_browser;
mod custom_emoji;
mod endorsements;
mod filters;
mod hardening;
mod home_timeline;
mod instance_client;
mod instance_extras;
mod lists;
mod lists_client;
mod media;
mod notification_requests;
mod oauth;
mod polls;
mod scheduled_statuses;
mod streaming;
mod tags;
mod tags_client;
mod trends;
mod visibility;
mod web_push;
mod web_push_client;
