//! `X-Forwarded-*` is believed only from `server.trusted_proxies`, and host-reserved
//! headers cannot be smuggled in by clients.

use crate::support::{Launch, Server, client, write_config};

fn start(dir: &std::path::Path, trusted: &str) -> Server {
    let config =
        write_config(dir, &format!("[instance]\ndomain = \"proxy.example\"\n[server]\nscheme = \"http\"\ntrusted_proxies = {trusted}\n"));
    Launch::with_config(dir, &config).serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"))
}

async fn streaming_url(server: &Server, headers: &[(&str, &str)]) -> String {
    let mut request = client().get(server.url("/api/v2/instance"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let json: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
    json["configuration"]["urls"]["streaming"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn forwarded_proto_counts_only_from_trusted_proxies() {
    let dir = tempfile::tempdir().unwrap();
    let trusting = start(&dir.path().join("a"), r#"["127.0.0.1/32", "::1/128"]"#);
    // Streaming is advertised where the client reached the instance.
    let direct = format!("ws://{}", trusting.addr);
    assert_eq!(streaming_url(&trusting, &[]).await, direct);
    assert_eq!(
        streaming_url(&trusting, &[("x-forwarded-proto", "https"), ("x-forwarded-host", "proxy.example")]).await,
        "wss://proxy.example",
        "behind a trusted TLS proxy"
    );
    // A client cannot set the host's own headers directly.
    assert_eq!(streaming_url(&trusting, &[("x-aerie-scheme", "https"), ("x-aerie-host", "evil.example")]).await, direct);

    let distrusting = start(&dir.path().join("b"), "[]");
    assert_eq!(
        streaming_url(&distrusting, &[("x-forwarded-proto", "https"), ("x-forwarded-host", "evil.example")]).await,
        format!("ws://{}", distrusting.addr),
        "an untrusted peer's X-Forwarded-* is ignored"
    );
}
