//! Cross-origin access as browser clients (Elk, Phanpy, the Mastodon web app) need it:
//! preflights answered without a token and outside the rate limit, `*` origins with the
//! paging and rate-limit headers exposed on the API, and no CORS on the consent page or
//! the inbox.

use http::Method;

use crate::support::http::client;
use crate::support::{Engine, Instance};

const ORIGIN: &str = "http://127.0.0.1:9";

async fn preflight(instance: &Instance, path: &str, method: &str, headers: &str) -> reqwest::Response {
    client()
        .request(Method::OPTIONS, instance.url(path))
        .header("origin", ORIGIN)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

fn remaining(response: &reqwest::Response) -> i64 {
    header(response, "x-ratelimit-remaining").parse().unwrap_or_else(|_| panic!("no x-ratelimit-remaining: {:?}", response.headers()))
}

#[tokio::test]
async fn preflights_are_answered_without_a_token_and_not_rate_limited() {
    let instance = Instance::start(Engine::Sqlite).await;
    for path in [
        "/api/v1/timelines/home",
        "/api/v1/apps",
        "/oauth/token",
        "/oauth/revoke",
        "/api/v2/media",
        "/.well-known/webfinger",
        "/nodeinfo/2.0",
    ] {
        let answer = preflight(&instance, path, "POST", "authorization,content-type,idempotency-key").await;
        assert!(matches!(answer.status().as_u16(), 200 | 204), "{path}: {}", answer.status());
        assert_eq!(header(&answer, "access-control-allow-origin"), "*", "{path}");
        let methods = header(&answer, "access-control-allow-methods").to_ascii_uppercase();
        for method in ["POST", "PUT", "DELETE", "GET", "PATCH", "OPTIONS"] {
            assert!(methods.contains(method), "{path}: {methods}");
        }
        let allowed = header(&answer, "access-control-allow-headers").to_ascii_lowercase();
        for name in ["authorization", "content-type", "idempotency-key"] {
            assert!(allowed.contains(name), "{path}: {allowed}");
        }
        assert!(header(&answer, "access-control-max-age").parse::<u64>().is_ok_and(|age| age > 0), "{path}");
        assert!(answer.headers().get("x-ratelimit-remaining").is_none(), "{path}: a preflight is not counted");
    }

    // Counted per address without a token: preflights in between take nothing.
    let before = remaining(&client().get(instance.url("/api/v1/instance")).send().await.unwrap());
    for _ in 0..5 {
        preflight(&instance, "/api/v1/instance", "GET", "authorization").await;
    }
    let after = remaining(&client().get(instance.url("/api/v1/instance")).send().await.unwrap());
    assert_eq!(after, before - 1, "only the second GET was counted");
}

#[tokio::test]
async fn api_answers_carry_the_origin_and_expose_paging_and_rate_limit_headers() {
    let instance = Instance::start(Engine::Sqlite).await;
    instance.create_account("alice", "alice-password-1");
    let token = instance.token("alice", "alice-password-1", "read write").await;
    let answer = client()
        .get(instance.url("/api/v1/accounts/verify_credentials"))
        .header("origin", ORIGIN)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(header(&answer, "access-control-allow-origin"), "*");
    assert!(answer.headers().get("access-control-allow-credentials").is_none());
    let exposed = header(&answer, "access-control-expose-headers").to_ascii_lowercase();
    for name in ["link", "x-ratelimit-reset", "x-ratelimit-limit", "x-ratelimit-remaining", "x-request-id", "idempotency-key"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    // Errors too: a browser must be able to read why a call failed.
    let refused = client().get(instance.url("/api/v1/timelines/home")).header("origin", ORIGIN).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(header(&refused, "access-control-allow-origin"), "*");
    let discovery = client().get(instance.url("/.well-known/nodeinfo")).header("origin", ORIGIN).send().await.unwrap();
    assert_eq!(header(&discovery, "access-control-allow-origin"), "*");
}

#[tokio::test]
async fn the_consent_page_and_the_inbox_are_not_cross_origin() {
    let instance = Instance::start(Engine::Sqlite).await;
    for path in ["/oauth/authorize", "/inbox", "/users/alice/inbox"] {
        let answer = preflight(&instance, path, "POST", "content-type").await;
        assert!(answer.headers().get("access-control-allow-origin").is_none(), "{path}: {:?}", answer.headers());
        assert!(answer.headers().get("access-control-allow-methods").is_none(), "{path}");
    }
    let page = client().get(instance.url("/oauth/authorize?client_id=x")).header("origin", ORIGIN).send().await.unwrap();
    assert!(page.headers().get("access-control-allow-origin").is_none(), "{:?}", page.headers());
}
