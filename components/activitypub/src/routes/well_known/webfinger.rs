//! `GET /.well-known/webfinger?resource=...` (RFC 7033): who an address or actor URL
//! is. Accepted resources: `acct:NAME@DOMAIN` (the domain or the web domain, `acct:`
//! optional), the actor URL `BASE/users/NAME`, the profile URL `BASE/@NAME`, and the
//! instance actor as `acct:DOMAIN@DOMAIN` or `BASE/actor`. Other hosts and unknown
//! names are 404; a missing or unreadable resource is 400.

use aerie_core::activitystreams::{JrdLink, WebFinger};
use aerie_sdk::http::Response;

use crate::accounts;
use crate::ctx::{Answer, Ctx};

/// Whom a resource names.
#[derive(Debug, PartialEq)]
enum Subject {
    Account(String),
    InstanceActor,
}

/// Reads the resource; `Err` is the status to answer (400 malformed, 404 not here).
fn subject(resource: &str, domain: &str, is_local: impl Fn(&str) -> bool) -> Result<Subject, u16> {
    let resource = resource.trim();
    if let Some(rest) = resource.strip_prefix("https://").or_else(|| resource.strip_prefix("http://")) {
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if host.is_empty() {
            return Err(400);
        }
        if !is_local(host) {
            return Err(404);
        }
        let path = path.split(['?', '#']).next().unwrap_or("").trim_end_matches('/');
        return match path.split('/').collect::<Vec<_>>().as_slice() {
            ["actor"] => Ok(Subject::InstanceActor),
            ["users", name] if !name.is_empty() => Ok(Subject::Account(name.to_string())),
            [profile] if profile.len() > 1 && profile.starts_with('@') => Ok(Subject::Account(profile[1..].to_string())),
            _ => Err(404),
        };
    }
    let acct = resource.strip_prefix("acct:").unwrap_or(resource);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let Some((name, host)) = acct.rsplit_once('@') else { return Err(400) };
    if name.is_empty() || host.is_empty() || name.contains(['/', ' ', ':']) {
        return Err(400);
    }
    if !is_local(host) {
        return Err(404);
    }
    if name.eq_ignore_ascii_case(domain) || is_local(name) {
        return Ok(Subject::InstanceActor);
    }
    Ok(Subject::Account(name.to_string()))
}

fn link(rel: &str, kind: &str, href: String) -> JrdLink {
    JrdLink { rel: rel.into(), kind: Some(kind.into()), href: Some(href), template: None }
}

pub fn get(ctx: &Ctx) -> Answer {
    let Some(resource) = ctx.params.get("resource").filter(|r| !r.trim().is_empty()) else {
        return Err(Response::error(400, "The resource parameter is missing"));
    };
    let instance = &ctx.instance;
    let subject = subject(resource, &instance.domain, |host| instance.is_local(host)).map_err(|status| match status {
        400 => Response::error(400, "The resource parameter is not an acct: URI or a URL"),
        _ => Response::not_found(),
    })?;
    let base = ctx.base();
    let subscribe = JrdLink {
        rel: "http://ostatus.org/schema/1.0/subscribe".into(),
        template: Some(format!("{base}/authorize_interaction?uri={{uri}}")),
        ..Default::default()
    };
    let jrd = match subject {
        Subject::InstanceActor => {
            let actor = instance.actor_uri();
            WebFinger {
                subject: format!("acct:{0}@{0}", instance.domain),
                aliases: vec![actor.clone()],
                links: vec![
                    link("http://webfinger.net/rel/profile-page", "text/html", format!("{base}/about/more?instance_actor=true")),
                    link("self", "application/activity+json", actor),
                    subscribe,
                ],
            }
        }
        Subject::Account(name) => {
            let account = accounts::by_name(&name)?.filter(|a| a.deleted_at.is_none()).ok_or_else(Response::not_found)?;
            let uri = aerie_core::convert::actor_uri(&account, base);
            let url = account.url.clone().unwrap_or_else(|| aerie_core::contract::uris::profile(base, &account.username));
            let mut links = vec![
                link("http://webfinger.net/rel/profile-page", "text/html", url.clone()),
                link("self", "application/activity+json", uri.clone()),
                subscribe,
            ];
            if let Some(avatar) = aerie_core::convert::avatar_url(&account, base).filter(|_| account.suspended_at.is_none()) {
                let kind = aerie_core::convert::image_media_type(&avatar).unwrap_or_else(|| "image/jpeg".into());
                links.push(link("http://webfinger.net/rel/avatar", &kind, avatar));
            }
            WebFinger { subject: format!("acct:{}@{}", account.username, instance.domain), aliases: vec![url, uri], links }
        }
    };
    Ok(Response {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/jrd+json; charset=utf-8".into()),
            ("access-control-allow-origin".into(), "*".into()),
        ],
        body: serde_json::to_vec(&jrd).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        let local = |h: &str| h.eq_ignore_ascii_case("a.example") || h.eq_ignore_ascii_case("www.a.example");
        let read = |r: &str| subject(r, "a.example", local);
        assert_eq!(read("acct:alice@a.example"), Ok(Subject::Account("alice".into())));
        assert_eq!(read("alice@WWW.a.example"), Ok(Subject::Account("alice".into())));
        assert_eq!(read("https://www.a.example/users/alice"), Ok(Subject::Account("alice".into())));
        assert_eq!(read("https://a.example/@alice"), Ok(Subject::Account("alice".into())));
        assert_eq!(read("acct:a.example@a.example"), Ok(Subject::InstanceActor));
        assert_eq!(read("https://a.example/actor"), Ok(Subject::InstanceActor));
        assert_eq!(read("acct:alice@b.example"), Err(404));
        assert_eq!(read("https://b.example/users/alice"), Err(404));
        assert_eq!(read("https://a.example/about"), Err(404));
        assert_eq!(read("alice"), Err(400));
        assert_eq!(read("acct:@a.example"), Err(400));
    }
}
