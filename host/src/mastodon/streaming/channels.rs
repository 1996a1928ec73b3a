//! Mastodon's stream names and how they map to the event bus's stream keys.
//!
//! A client subscribes to `user`, `user:notification`, `public`, `public:local`,
//! `public:remote` (each with `:media`), `hashtag` / `hashtag:local` (with a tag),
//! `direct` or `list` (with a list id). Components publish events to keys such as
//! `user:<account id>`, `public:local` or `hashtag:<name>`.

use aerie_contract::events::{Origin, direct_stream, hashtag_stream, list_stream, public_stream, user_stream};

/// One subscribed channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Channel {
    /// The name as the client gave it (`user`, `hashtag:local`, ...).
    pub name: String,
    /// The bus key it listens to.
    pub key: String,
    /// The `stream` array sent with each event (`["hashtag", "rust"]`).
    pub label: Vec<String>,
}

impl Channel {
    /// The channel `name` (with `tag` or `list` where needed) for `account_id`.
    /// `Err` says what is wrong, for a 400 / an error message on the socket.
    pub fn parse(name: &str, tag: Option<&str>, list: Option<&str>, account_id: Option<i64>) -> Result<Channel, String> {
        let user = || account_id.ok_or_else(|| "Missing access token".to_string());
        let simple = |key: String| Channel { name: name.to_string(), key, label: vec![name.to_string()] };
        Ok(match name {
            "user" => simple(user_stream(user()?)),
            "user:notification" => simple(user_stream(user()?)),
            "direct" => simple(direct_stream(user()?)),
            "public" | "public:allow_local_only" => simple(public_stream(Origin::All, false)),
            "public:local" => simple(public_stream(Origin::Local, false)),
            "public:remote" => simple(public_stream(Origin::Remote, false)),
            "public:media" => simple(public_stream(Origin::All, true)),
            "public:local:media" => simple(public_stream(Origin::Local, true)),
            "public:remote:media" => simple(public_stream(Origin::Remote, true)),
            "hashtag" | "hashtag:local" => {
                let tag = tag.map(|t| t.trim_start_matches('#').to_lowercase()).filter(|t| !t.is_empty());
                let tag = tag.ok_or_else(|| "No tag for stream provided".to_string())?;
                Channel { name: name.to_string(), key: hashtag_stream(&tag, name == "hashtag:local"), label: vec![name.to_string(), tag] }
            }
            "list" => {
                user()?;
                let list = list.and_then(|l| l.parse::<i64>().ok()).ok_or_else(|| "No list for stream provided".to_string())?;
                Channel { name: name.to_string(), key: list_stream(list), label: vec![name.to_string(), list.to_string()] }
            }
            other => return Err(format!("Unknown stream type {other:?}")),
        })
    }

    /// The channel named by an SSE path (`public/local` → `public:local`).
    pub fn from_path(path: &str, tag: Option<&str>, list: Option<&str>, account_id: Option<i64>) -> Result<Channel, String> {
        Channel::parse(&path.trim_matches('/').replace('/', ":"), tag, list, account_id)
    }

    /// Whether only a logged-in user may open it.
    pub fn needs_user(&self) -> bool {
        self.name.starts_with("user") || self.name == "direct" || self.name == "list"
    }

    /// The list of a `list` channel.
    pub fn list_id(&self) -> Option<i64> {
        if self.name != "list" {
            return None;
        }
        self.label.get(1).and_then(|id| id.parse().ok())
    }

    /// `user:notification` gets notifications only.
    pub fn is_notifications_only(&self) -> bool {
        self.name == "user:notification"
    }

    /// The filter context its statuses are shown in (Mastodon's: the user's stream
    /// and lists are `home`, public and hashtag streams `public`); `None` for direct
    /// messages, which no filter context covers.
    pub fn filter_context(&self) -> Option<&'static str> {
        if self.name.starts_with("user") || self.name == "list" {
            Some("home")
        } else if self.name.starts_with("public") || self.name.starts_with("hashtag") {
            Some("public")
        } else {
            None
        }
    }

    /// Whether this channel shows an event of `kind`.
    pub fn accepts(&self, kind: &str) -> bool {
        match kind {
            aerie_contract::events::NOTIFICATION => self.name.starts_with("user"),
            // Mastodon's `direct` stream carries conversations, and only it does.
            aerie_contract::events::CONVERSATION => self.name == "direct",
            _ => !self.is_notifications_only(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_bus_keys_and_labels() {
        let user = Channel::parse("user", None, None, Some(42)).unwrap();
        assert_eq!((user.key.as_str(), user.label.clone()), ("user:42", vec!["user".to_string()]));
        let tag = Channel::from_path("hashtag/local", Some("#Rust"), None, None).unwrap();
        assert_eq!((tag.key.as_str(), tag.label.clone()), ("hashtag:local:rust", vec!["hashtag:local".to_string(), "rust".to_string()]));
        assert_eq!(Channel::from_path("public/local", None, None, None).unwrap().key, "public:local");
        assert!(Channel::parse("user", None, None, None).is_err());
        assert!(Channel::parse("hashtag", None, None, None).is_err());
        assert!(Channel::parse("nonsense", None, None, Some(1)).is_err());
        let notes = Channel::parse("user:notification", None, None, Some(1)).unwrap();
        assert!(notes.accepts("notification") && !notes.accepts("update"));
        assert!(!Channel::parse("public", None, None, None).unwrap().accepts("notification"));
        let direct = Channel::parse("direct", None, None, Some(1)).unwrap();
        assert!(direct.accepts("conversation") && !user.accepts("conversation"));
        // Every public name listens to the key core's stream audience publishes to.
        for name in ["public", "public:local", "public:remote", "public:media", "public:local:media", "public:remote:media"] {
            assert_eq!(Channel::parse(name, None, None, None).unwrap().key, name);
        }
        assert_eq!(Channel::parse("public:allow_local_only", None, None, None).unwrap().key, "public");
        assert_eq!(Channel::parse("hashtag", Some("Rust"), None, None).unwrap().key, "hashtag:rust");
        let list = Channel::parse("list", None, Some("12"), Some(1)).unwrap();
        assert_eq!((list.key.as_str(), list.label.clone()), ("list:12", vec!["list".to_string(), "12".to_string()]));
        assert!(Channel::parse("list", None, Some("x"), Some(1)).is_err());
        assert_eq!(user.list_id(), None);
    }

    #[test]
    fn channels_name_the_filter_context_of_their_statuses() {
        let context = |name: &str| Channel::parse(name, Some("rust"), Some("7"), Some(1)).unwrap().filter_context();
        assert_eq!(context("user"), Some("home"));
        assert_eq!(context("list"), Some("home"));
        assert_eq!(context("public:local"), Some("public"));
        assert_eq!(context("hashtag"), Some("public"));
        assert_eq!(context("direct"), None);
    }
}
