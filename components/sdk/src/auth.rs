//! Who is asking: the [`Viewer`] the host put in the request headers, and Mastodon's
//! OAuth scope rules with their ready-made error answers.
//!
//! The host resolves the bearer token before the component runs and answers 401
//! itself for an invalid or revoked one; it strips incoming copies of these headers,
//! so a component can trust them.

use crate::http::{Request, Response};

/// The host-set headers naming the caller (see `aerie_contract::headers`).
pub use aerie_contract::headers::{ACCOUNT_ID as ACCOUNT_HEADER, APP_ID as APP_HEADER, SCOPES as SCOPES_HEADER};

/// The caller of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    /// The authenticated local account (`x-aerie-account-id`); `None` without a token
    /// or for an app-only token.
    pub account_id: Option<i64>,
    /// The token's application (`x-aerie-app-id`); `None` without a token.
    pub app_id: Option<i64>,
    /// `None` when no token came with the request.
    pub scopes: Option<Vec<String>>,
}

/// Whether `granted` covers `required` under Mastodon's hierarchy (the contract's rule,
/// the one the host grants tokens with).
pub use aerie_contract::scopes::covers;

impl Viewer {
    /// Reads the host-set headers of `request`.
    pub fn from_request(request: &Request) -> Viewer {
        let id = |name: &str| request.header(name).and_then(|v| v.trim().parse::<i64>().ok());
        Viewer {
            account_id: id(ACCOUNT_HEADER),
            app_id: id(APP_HEADER),
            scopes: request.header(SCOPES_HEADER).map(|s| s.split_whitespace().map(str::to_string).collect()),
        }
    }

    /// Whether the token grants `scope` (directly or through a broader scope).
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.as_ref().is_some_and(|granted| granted.iter().any(|g| covers(g, scope)))
    }

    /// For endpoints that need a user: the account id, or the Mastodon error to send
    /// (401 without a token, 403 without the scope, 422 for an app-only token).
    pub fn user(&self, scope: &str) -> Result<i64, Response> {
        self.check_scope(|v| v.allows(scope))?;
        self.account_id.ok_or_else(user_required)
    }

    /// Like [`Viewer::user`], for `verify_credentials`, which the `profile` scope also opens.
    pub fn user_or_profile(&self, scope: &str) -> Result<i64, Response> {
        self.check_scope(|v| v.allows(scope) || v.allows("profile"))?;
        self.account_id.ok_or_else(user_required)
    }

    /// For endpoints anyone may read: a token, when given, must carry `scope`.
    /// Returns the account id of a user token, `None` otherwise.
    pub fn optional(&self, scope: &str) -> Result<Option<i64>, Response> {
        match &self.scopes {
            None => Ok(None),
            Some(_) if self.allows(scope) => Ok(self.account_id),
            Some(_) => Err(scope_missing()),
        }
    }

    /// For endpoints that need a token but no user (an app-only token is enough).
    pub fn token(&self, scope: &str) -> Result<Option<i64>, Response> {
        self.check_scope(|v| v.allows(scope))?;
        Ok(self.account_id)
    }

    fn check_scope(&self, allowed: impl FnOnce(&Viewer) -> bool) -> Result<(), Response> {
        if self.scopes.is_none() {
            return Err(token_invalid());
        }
        if !allowed(self) {
            return Err(scope_missing());
        }
        Ok(())
    }
}

/// 401, as Mastodon answers a request that needs a token and has none.
pub fn token_invalid() -> Response {
    Response::error(401, "The access token is invalid")
}

/// 403, the token lacks the scope the endpoint needs.
pub fn scope_missing() -> Response {
    Response::error(403, "This action is outside the authorized scopes")
}

/// 422, an app-only token on an endpoint that acts for a user.
pub fn user_required() -> Response {
    Response::error(422, "This method requires an authenticated user")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_hierarchy() {
        assert!(covers("read", "read:statuses"));
        assert!(covers("write:statuses", "write:statuses"));
        assert!(!covers("read", "write:statuses"));
        assert!(!covers("read:statuses", "read"));
        assert!(!covers("write:status", "write:statuses"));
        assert!(covers("follow", "write:blocks"));
        assert!(!covers("follow", "read:statuses"));
        assert!(!covers("profile", "read:accounts"));
    }

    #[test]
    fn answers() {
        let anonymous = Viewer::default();
        assert_eq!(anonymous.user("read").unwrap_err().status, 401);
        assert_eq!(anonymous.optional("read").unwrap(), None);
        let app = Viewer { account_id: None, app_id: Some(1), scopes: Some(vec!["read".into()]) };
        assert_eq!(app.user("read:statuses").unwrap_err().status, 422);
        assert_eq!(app.user("write:statuses").unwrap_err().status, 403);
        let profile = Viewer { account_id: Some(5), app_id: Some(1), scopes: Some(vec!["profile".into()]) };
        assert_eq!(profile.user_or_profile("read:accounts").unwrap(), 5);
        assert_eq!(profile.user("read:accounts").unwrap_err().status, 403);
    }
}
