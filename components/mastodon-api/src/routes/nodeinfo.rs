//! NodeInfo: `/.well-known/nodeinfo` (discovery) and `/nodeinfo/2.0`, `/nodeinfo/2.1`.

use aerie_sdk::http::{Request, Response};
use serde_json::json;

use crate::instance_info;
use crate::routes::unavailable;

pub fn discovery(_request: &Request) -> Response {
    let info = match instance_info::load() {
        Ok(info) => info,
        Err(error) => return unavailable(error),
    };
    let base = info.base_url();
    Response::json(
        200,
        &json!({
            "links": [
                { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0") },
                { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1") },
            ]
        }),
    )
}

pub fn document(_request: &Request, version: &str) -> Response {
    let info = match instance_info::load() {
        Ok(info) => info,
        Err(error) => return unavailable(error),
    };
    let mut software = json!({ "name": "aerie", "version": info.software_version });
    if version == "2.1" {
        software["repository"] = json!("https://github.com/aerie-social/aerie");
    }
    let content_type = format!("application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\"");
    Response::json_as(
        200,
        &content_type,
        &json!({
            "version": version,
            "software": software,
            "protocols": ["activitypub"],
            "services": { "inbound": [], "outbound": [] },
            "openRegistrations": info.registrations_open,
            "usage": {
                "users": { "total": info.user_count, "activeMonth": info.active_month },
                "localPosts": info.status_count,
            },
            "metadata": { "nodeName": info.title, "nodeDescription": info.description },
        }),
    )
}
