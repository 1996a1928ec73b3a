//! What every handler starts from: the request, who is asking, the parameters and
//! the public base URL the request arrived at.

use aerie_sdk::auth::Viewer;
use aerie_sdk::http::{Request, Response};
use aerie_sdk::params::Params;

/// A handler's answer; the error side is a ready Mastodon error response, so
/// handlers use `?` on auth checks, parameter checks and database calls alike.
pub type Answer = Result<Response, Response>;

pub struct Ctx<'a> {
    pub request: &'a Request,
    pub viewer: Viewer,
    pub params: Params,
    /// `scheme://host` as the client reached us, for `Link` headers and default URLs.
    pub base: String,
}

impl<'a> Ctx<'a> {
    pub fn new(request: &'a Request) -> Ctx<'a> {
        Ctx {
            viewer: Viewer::from_request(request),
            params: Params::from_request(request),
            base: request.base_url().unwrap_or_else(|| format!("{}://localhost", request.scheme())),
            request,
        }
    }
}

/// A path segment as an id; anything else is a missing record, as in Mastodon.
pub fn parse_id(segment: &str) -> Result<i64, Response> {
    segment.parse::<i64>().map_err(|_| Response::not_found())
}

/// 422 with Mastodon's validation wording.
pub fn invalid(message: &str) -> Response {
    Response::error(422, &format!("Validation failed: {message}"))
}

/// 403 for an action the policy forbids.
pub fn forbidden() -> Response {
    Response::error(403, "This action is not allowed")
}
