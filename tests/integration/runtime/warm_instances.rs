//! Warm instances: an HTTP component instance serves several requests in turn (up to
//! `runtime.requests_per_instance`), and one that trapped is never used again.

use crate::support::{Launch, Server, client, test_program, write_config};

fn start(dir: &std::path::Path, runtime: &str) -> Server {
    let config = write_config(
        dir,
        &format!(
            "{runtime}\n[[components]]\nid = \"probe\"\nsource = \"{}\"\nroutes = [\"/probe/*\"]\ngrants = {{ db = \"read-only\", kv = true, queue = true, blobs = \"read-only\" }}\n",
            test_program("probe").display()
        ),
    );
    Launch::with_config(dir, &config).serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"))
}

async fn served(server: &Server) -> u64 {
    let body: serde_json::Value = client().get(server.url("/probe/served")).send().await.unwrap().json().await.unwrap();
    body["served"].as_u64().unwrap()
}

#[tokio::test]
async fn warm_instances_serve_in_turn_and_trapped_ones_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("warm"), "");
    let mut counts = Vec::new();
    for _ in 0..4 {
        counts.push(served(&server).await);
    }
    assert_eq!(counts, [1, 2, 3, 4], "one warm instance served the requests in turn");
    let trap = client().get(server.url("/probe/trap")).send().await.unwrap();
    assert_eq!(trap.status(), 500);
    assert_eq!(served(&server).await, 1, "the instance that trapped was dropped, a fresh one answers");

    let limited = start(&dir.path().join("limited"), "[runtime]\nrequests_per_instance = 3\n");
    let mut counts = Vec::new();
    for _ in 0..6 {
        counts.push(served(&limited).await);
    }
    assert_eq!(counts, [1, 2, 3, 1, 2, 3], "an instance is replaced after requests_per_instance requests");

    let fresh = start(&dir.path().join("fresh"), "[runtime]\nrequests_per_instance = 1\n");
    assert_eq!((served(&fresh).await, served(&fresh).await), (1, 1));
}
