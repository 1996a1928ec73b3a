//! What every handler starts from: the request, the verified signer (the viewer),
//! the instance's identity, and the answers ActivityPub servers and browsers expect.

use aerie_sdk::http::{Request, Response};
use aerie_sdk::params::Params;
use serde::Serialize;

use crate::instance::Instance;

/// A handler's answer; the error side is a ready response (`?` on lookups and
/// database calls alike).
pub type Answer = Result<Response, Response>;

/// Header the host sets to the account id of a request's verified HTTP signature
/// (incoming copies are stripped), the viewer of the visibility rule.
pub use aerie_core::contract::headers::SIGNER_ACCOUNT_ID as SIGNER_HEADER;

/// The media type of every ActivityPub answer.
pub const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

pub struct Ctx<'a> {
    pub request: &'a Request,
    /// The remote account that signed the request; `None` is anonymous.
    pub viewer: Option<i64>,
    pub params: Params,
    pub instance: Instance,
}

impl<'a> Ctx<'a> {
    pub fn new(request: &'a Request) -> Result<Ctx<'a>, Response> {
        Ok(Ctx {
            viewer: request.header(SIGNER_HEADER).and_then(|v| v.trim().parse::<i64>().ok()),
            params: Params::from_query(&request.query),
            instance: Instance::load()?,
            request,
        })
    }

    /// `scheme://web_domain`, the base of every URI the instance hands out.
    pub fn base(&self) -> &str {
        &self.instance.base
    }

    /// Whether the client asked for ActivityPub (or JSON-LD, or JSON) rather than a
    /// page: browsers get redirected to the HTML page instead.
    pub fn wants_activity_json(&self) -> bool {
        let accept = self.request.header("accept").unwrap_or("").to_ascii_lowercase();
        ["application/activity+json", "application/ld+json", "application/json"].iter().any(|t| accept.contains(t))
    }
}

/// An ActivityPub document.
pub fn activity_json<T: Serialize>(value: &T) -> Response {
    Response {
        status: 200,
        headers: vec![("content-type".into(), ACTIVITY_JSON.into()), ("vary".into(), "Accept".into())],
        body: serde_json::to_vec(value).unwrap_or_default(),
    }
}

/// 302 to `location` (a browser asking for a document that has an HTML page).
pub fn redirect(location: &str) -> Response {
    Response { status: 302, headers: vec![("location".into(), location.to_string()), ("vary".into(), "Accept".into())], body: Vec::new() }
}

/// A path segment as a status id; anything else is a missing record.
pub fn parse_id(segment: &str) -> Result<i64, Response> {
    segment.parse::<i64>().map_err(|_| Response::not_found())
}
