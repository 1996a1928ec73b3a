//! The streaming events components publish through `aerie:host/events`
//! (`publish(kind, id, streams)` with a WIT `event-kind`, the SDK's `events`) and the host renders per
//! subscriber (`host/src/mastodon/streaming/`) by asking the API component for the
//! entity as that subscriber, at the paths below.

/// A new status; rendered as [`status_path`].
pub const UPDATE: &str = "update";
/// An edited status; rendered as [`status_path`].
pub const STATUS_UPDATE: &str = "status.update";
/// A deleted status; the payload is the id itself, nothing is rendered.
pub const DELETE: &str = "delete";
/// A notification for its recipient (stream `user:<id>` only); rendered as
/// [`notification_path`].
pub const NOTIFICATION: &str = "notification";

/// A direct conversation as its owner sees it (stream `direct:<id>` only; Mastodon's
/// `conversation` event); rendered as [`conversation_path`].
pub const CONVERSATION: &str = "conversation";

/// Every kind, in the order of the `event-kind` enum of `aerie:host/events`
/// (`wit/host/events.wit`), which components publish and the host turns into these
/// names (a host test checks they agree).
pub const KINDS: [&str; 5] = [UPDATE, STATUS_UPDATE, DELETE, NOTIFICATION, CONVERSATION];

/// Where the payload of an [`UPDATE`] or [`STATUS_UPDATE`] about status `id` is read
/// (`GET`, as the subscriber; routed to the API component).
pub fn status_path(id: i64) -> String {
    format!("/api/v1/statuses/{id}")
}

/// The query parameter of [`status_path`] that names the filter context of the
/// stream a status is rendered for (`home`, `public`): the API then applies the
/// viewer's filters of that context, and answers 404 for a status they hide.
pub const FILTER_CONTEXT_PARAM: &str = "filter_context";

/// [`status_path`] for a stream of filter context `context` (see [`FILTER_CONTEXT_PARAM`]).
pub fn status_path_in(id: i64, context: Option<&str>) -> String {
    match context {
        Some(context) => format!("{}?{FILTER_CONTEXT_PARAM}={context}", status_path(id)),
        None => status_path(id),
    }
}

/// Where the payload of a [`NOTIFICATION`] `id` is read (`GET`, as the subscriber).
pub fn notification_path(id: i64) -> String {
    format!("/api/v1/notifications/{id}")
}

/// Where the payload of a [`CONVERSATION`] `id` is read (`GET`, as the subscriber;
/// another account gets a 404).
pub fn conversation_path(id: i64) -> String {
    format!("/api/v1/conversations/{id}")
}

/// The stream of everything for local account `account` (its home timeline and
/// notifications).
pub fn user_stream(account: i64) -> String {
    format!("user:{account}")
}

/// The stream of local account `account`'s direct conversations (`conversation` events).
pub fn direct_stream(account: i64) -> String {
    format!("direct:{account}")
}

/// Which statuses a public stream carries, by where their author is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Every public status (`public`).
    All,
    /// Statuses by local accounts (`public:local`).
    Local,
    /// Statuses by remote accounts (`public:remote`).
    Remote,
}

/// A public stream: `public`, `public:local` or `public:remote`, with `:media`
/// appended when only statuses with media attachments are carried.
pub fn public_stream(origin: Origin, media_only: bool) -> String {
    let place = match origin {
        Origin::All => "public",
        Origin::Local => "public:local",
        Origin::Remote => "public:remote",
    };
    if media_only { format!("{place}:media") } else { place.to_string() }
}

/// The stream of public statuses with hashtag `tag` (lowercase, no `#`):
/// `hashtag:TAG`, or `hashtag:local:TAG` for local statuses only.
pub fn hashtag_stream(tag: &str, local_only: bool) -> String {
    if local_only { format!("hashtag:local:{tag}") } else { format!("hashtag:{tag}") }
}

/// The stream of list `list` (its members' statuses, for the list's owner): `list:ID`.
pub fn list_stream(list: i64) -> String {
    format!("list:{list}")
}

/// Where a list is read as its owner (`GET`; another account gets a 404): the
/// streaming server asks it before letting a listener open a list's stream.
pub fn list_path(list: i64) -> String {
    format!("/api/v1/lists/{list}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_paths_and_streams() {
        assert_eq!(status_path(7), "/api/v1/statuses/7");
        assert_eq!(notification_path(8), "/api/v1/notifications/8");
        assert_eq!(conversation_path(3), "/api/v1/conversations/3");
        assert_eq!(status_path_in(7, Some("home")), "/api/v1/statuses/7?filter_context=home");
        assert_eq!(status_path_in(7, None), "/api/v1/statuses/7");
        assert_eq!(user_stream(9), "user:9");
        assert_eq!(direct_stream(9), "direct:9");
        assert_eq!(public_stream(Origin::All, false), "public");
        assert_eq!(public_stream(Origin::Local, false), "public:local");
        assert_eq!(public_stream(Origin::Remote, true), "public:remote:media");
        assert_eq!(public_stream(Origin::All, true), "public:media");
        assert_eq!(hashtag_stream("rust", false), "hashtag:rust");
        assert_eq!(hashtag_stream("rust", true), "hashtag:local:rust");
        assert_eq!(list_stream(4), "list:4");
        assert_eq!(list_path(9), "/api/v1/lists/9");
    }
}
