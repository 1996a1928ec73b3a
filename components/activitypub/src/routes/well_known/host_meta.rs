//! `GET /.well-known/host-meta` (XRD, or JSON when asked) and
//! `/.well-known/host-meta.json`: where WebFinger lives (RFC 6415).

use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};

pub fn get(ctx: &Ctx, json: bool) -> Answer {
    let template = format!("{}/.well-known/webfinger?resource={{uri}}", ctx.base());
    let wants_json = json || ctx.request.header("accept").is_some_and(|a| a.to_ascii_lowercase().contains("json"));
    let response = if wants_json {
        Response::json_as(
            200,
            "application/json; charset=utf-8",
            &serde_json::json!({ "links": [{ "rel": "lrdd", "template": template }] }),
        )
    } else {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
             <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
            template.replace('&', "&amp;").replace('"', "&quot;")
        );
        Response {
            status: 200,
            headers: vec![("content-type".into(), "application/xrd+xml; charset=utf-8".into())],
            body: xml.into_bytes(),
        }
    };
    Ok(response.with_header("access-control-allow-origin", "*".into()).with_header("vary", "Accept".into()))
}
