//! Mastodon's OAuth scopes: the top-level ones (`read`, `write`, `follow`, `push`,
//! `profile`), the granular ones (`read:statuses`, `admin:write:accounts`, ...) and which
//! scope covers which. One copy for both sides: the host grants tokens and checks
//! scopes with it (`host/src/mastodon/scopes.rs` re-exports it), components check the
//! host-set `x-aerie-scopes` with it (the plugin SDK's `auth`).

/// Every scope a client may ask for.
pub const SUPPORTED: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read",
    "admin:write",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
];

/// Scopes the `follow` scope stood for before granular scopes existed.
pub const FOLLOW_COVERS: &[&str] = &["read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"];

/// A set of scopes as granted to an app or a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses a space-separated list (`+` also separates, as some clients send it).
    /// Returns the first unknown scope as the error.
    pub fn parse(text: &str) -> Result<Scopes, String> {
        let mut scopes: Vec<String> = Vec::new();
        for scope in text.split(|c: char| c.is_whitespace() || c == '+' || c == ',').filter(|s| !s.is_empty()) {
            if !SUPPORTED.contains(&scope) {
                return Err(scope.to_string());
            }
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
        Ok(Scopes(scopes))
    }

    /// Parses `text`, or gives `default` when it is empty or absent.
    pub fn parse_or(text: Option<&str>, default: &str) -> Result<Scopes, String> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => Scopes::parse(text),
            None => Scopes::parse(default),
        }
    }

    /// Whether this set grants `wanted` (directly or through a broader scope).
    pub fn covers(&self, wanted: &str) -> bool {
        self.0.iter().any(|granted| covers(granted, wanted))
    }

    /// Whether every scope of `other` is granted by this set.
    pub fn covers_all(&self, other: &Scopes) -> bool {
        other.0.iter().all(|wanted| self.covers(wanted))
    }

    /// Whether no scope is granted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes, in the order first given.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// Whether one granted scope covers one wanted scope: equal, a parent (`read` covers
/// `read:statuses`, `admin:read` covers `admin:read:accounts`), or `follow`'s legacy set.
pub fn covers(granted: &str, wanted: &str) -> bool {
    granted == wanted
        || wanted.strip_prefix(granted).is_some_and(|rest| rest.starts_with(':'))
        || (granted == "follow" && FOLLOW_COVERS.contains(&wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_cover_children_and_follow_covers_its_legacy_set() {
        let granted = Scopes::parse("read write:statuses follow").unwrap();
        assert!(granted.covers("read:notifications"));
        assert!(granted.covers("write:statuses"));
        assert!(!granted.covers("write:favourites"));
        assert!(granted.covers("write:blocks"));
        assert!(!granted.covers("push"));
        assert!(!covers("read", "readx"));
        assert!(covers("admin:read", "admin:read:accounts"));
        assert!(!covers("read", "admin:read:accounts"));
    }

    #[test]
    fn unknown_scopes_are_refused_and_duplicates_dropped() {
        assert_eq!(Scopes::parse("read rule-the-world"), Err("rule-the-world".into()));
        assert_eq!(Scopes::parse("read+write read").unwrap().to_string(), "read write");
        assert_eq!(Scopes::parse_or(Some("  "), "read").unwrap().to_string(), "read");
    }
}
