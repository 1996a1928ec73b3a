//! A real browser calling the API cross-origin: headless Chromium loads a page served
//! from another loopback origin, whose script registers an app, gets an app token
//! (client_credentials), reads the home timeline and verify_credentials with a user
//! token, and reads the exposed `Link` and rate-limit headers; the DOM it leaves is
//! the result. Chromium is installed by `tests/run` (apt `chromium`).

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::http::post;
use crate::support::{Engine, Instance};

const PAGE: &str = r#"<!doctype html>
<html><body><pre id="out">pending</pre><script>
const query = new URLSearchParams(location.search);
const api = query.get('api');
const token = query.get('token');
const out = document.getElementById('out');
(async () => {
  try {
    const app = await (await fetch(api + '/api/v1/apps', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({client_name: 'browser', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read'}),
    })).json();
    const granted = await (await fetch(api + '/oauth/token', {
      method: 'POST',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({grant_type: 'client_credentials', client_id: app.client_id,
                                 client_secret: app.client_secret, scope: 'read'}),
    })).json();
    const auth = {headers: {'Authorization': 'Bearer ' + token, 'Idempotency-Key': 'x'}};
    const home = await fetch(api + '/api/v1/timelines/home?limit=1', auth);
    const statuses = await home.json();
    const me = await (await fetch(api + '/api/v1/accounts/verify_credentials', auth)).json();
    out.textContent = JSON.stringify({
      client_id: app.client_id || null,
      app_token: granted.access_token ? 'yes' : null,
      home_status: home.status,
      home_count: statuses.length,
      link: home.headers.get('Link'),
      remaining: home.headers.get('X-RateLimit-Remaining'),
      acct: me.acct,
    });
  } catch (e) {
    out.textContent = JSON.stringify({error: String(e)});
  }
})();
</script></body></html>"#;

/// Serves [`PAGE`] for every request on a loopback port of its own (another origin).
async fn serve_page() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = vec![0u8; 8192];
                let _ = socket.read(&mut request).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    port
}

/// Loads `url` in headless Chromium and returns the DOM once the page's work is done.
async fn dump_dom(url: String) -> String {
    let profile = tempfile::tempdir().unwrap();
    let profile_arg = format!("--user-data-dir={}", profile.path().display());
    tokio::task::spawn_blocking(move || {
        let output = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--virtual-time-budget=20000",
                "--timeout=60000",
                &profile_arg,
                "--dump-dom",
                &url,
            ])
            .output()
            .unwrap_or_else(|e| panic!("chromium could not start ({e}); tests/run installs it with apt-get install chromium"));
        drop(profile);
        String::from_utf8_lossy(&output.stdout).to_string()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_browser_page_from_another_origin_logs_in_and_reads_the_api() {
    let instance = Instance::start(Engine::Sqlite).await;
    instance.create_account("alice", "alice-password-1");
    let token = instance.token("alice", "alice-password-1", "read write").await;
    for text in ["one", "two"] {
        let (status, _) = post(&instance, &token, "/api/v1/statuses", json!({"status": text})).await;
        assert_eq!(status, 200);
    }
    let port = serve_page().await;
    let api = instance.url("").trim_end_matches('/').to_string();
    let url = format!("http://127.0.0.1:{port}/?api={api}&token={token}");
    assert!(!api.ends_with(&format!(":{port}")), "the page is another origin");

    let mut dom = String::new();
    for _ in 0..3 {
        dom = tokio::time::timeout(Duration::from_secs(90), dump_dom(url.clone())).await.expect("chromium finished");
        if !dom.contains(">pending<") && dom.contains("<pre id=\"out\">") {
            break;
        }
    }
    let start = dom.find("<pre id=\"out\">").unwrap_or_else(|| panic!("no result in the page: {dom}")) + "<pre id=\"out\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end].replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"");
    let result: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(result["error"].is_null(), "the browser's fetch failed: {result}");
    assert!(result["client_id"].is_string(), "{result}");
    assert_eq!(result["app_token"], "yes", "{result}");
    assert_eq!(result["home_status"], 200, "{result}");
    assert_eq!(result["home_count"], 1, "{result}");
    assert_eq!(result["acct"], "alice", "{result}");
    assert!(result["link"].as_str().is_some_and(|l| l.contains("rel=\"next\"")), "Link is exposed: {result}");
    assert!(result["remaining"].as_str().is_some_and(|r| r.parse::<u64>().is_ok()), "the rate limit is exposed: {result}");
}
