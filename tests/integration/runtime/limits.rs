//! A component that loops forever, allocates without bound or traps is stopped; the
//! request gets a JSON 500 and every other route keeps answering.

use std::time::{Duration, Instant};

use crate::support::{Launch, Server, client, test_program, write_config};

fn start_with_misbehave(dir: &std::path::Path) -> Server {
    let config = write_config(
        dir,
        &format!(
            r#"
[runtime]
time_budget_ms = 2000

[[components]]
id = "misbehave"
source = "{}"
routes = ["/misbehave/*"]
grants = {{ db = "none", log = true }}
limits = {{ time_ms = 1000, memory_mb = 16 }}
"#,
            test_program("misbehave").display()
        ),
    );
    Launch::with_config(dir, &config).serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"))
}

#[tokio::test]
async fn runaway_guests_are_stopped_while_other_routes_keep_answering() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_misbehave(dir.path());

    // Two runaway guests: as many as this machine has cores, so a guest that pinned a
    // worker thread would starve every other request.
    let mut runaways = Vec::new();
    for _ in 0..2 {
        let url = server.url("/misbehave/loop");
        runaways.push(tokio::spawn(async move {
            let response = client().get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    let (status, v1) = server.get_json("/api/v1/instance").await;
    let waited = asked.elapsed();
    assert_eq!(status, 200, "{v1}");
    assert!(!runaways.iter().all(|r| r.is_finished()), "the runaways were still running while the instance answered");
    // Liveness, not a benchmark: the runaways' budget is 1 s; an answer that waited
    // for them would take at least that long.
    assert!(waited < Duration::from_millis(900), "a native-speed route waited {waited:?} behind runaway guests");

    for runaway in runaways {
        let (status, body) = runaway.await.unwrap();
        assert_eq!(status, 500, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(json["error"].as_str().unwrap().contains("time budget"), "{json}");
    }

    let (status, fine) = server.get_json("/misbehave/fine").await;
    assert_eq!((status, fine["status"].as_str()), (200, Some("fine")), "the component serves again after a runaway call");

    let (_, metrics) = server.get_text("/metrics").await;
    assert!(metrics.contains("aerie_component_calls_total{component=\"misbehave\",outcome=\"timeout\"} 2"), "{metrics}");
}

#[tokio::test]
async fn unbounded_allocation_hits_the_memory_cap_and_traps_are_contained() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_misbehave(dir.path());

    let (status, body) = server.get_json("/misbehave/alloc").await;
    assert_eq!(status, 500, "{body}");
    assert!(body["error"].as_str().unwrap().contains("memory limit"), "{body}");

    let (status, body) = server.get_json("/misbehave/trap").await;
    assert_eq!(status, 500, "{body}");
    assert!(body["error"].as_str().unwrap().contains("trapped"), "{body}");

    let (status, _) = server.get_json("/api/v2/instance").await;
    assert_eq!(status, 200);
    let (status, _) = server.get_json("/misbehave/fine").await;
    assert_eq!(status, 200);
    let (_, metrics) = server.get_text("/metrics").await;
    assert!(metrics.contains("outcome=\"memory\"") && metrics.contains("outcome=\"trap\""), "{metrics}");
}

#[tokio::test]
async fn a_component_without_a_grant_is_refused_at_load_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    // mastodon-api imports aerie:host/db; loading it without the grant must fail.
    let config = write_config(
        dir.path(),
        r#"
[[components]]
id = "mastodon-api"
source = "builtin:mastodon-api"
routes = ["/api/*"]
grants = { db = "none" }
"#,
    );
    let output = Launch::with_config(dir.path(), &config).run(&["config", "check"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("aerie:host/db") && stderr.contains("grants = { db = \"read-only\" }"), "{stderr}");
}

#[tokio::test]
async fn a_call_rate_limit_answers_429_beyond_the_rate() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[[components]]\nid = \"hello\"\nsource = \"{}\"\nroutes = [\"/hello\"]\nlimits = {{ calls_per_second = 3 }}\n",
            test_program("hello_v1").display()
        ),
    );
    let launch = Launch::with_config(dir.path(), &config);
    let server = launch.serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let (status, body) = server.get_json("/hello").await;
        if status == 429 {
            assert!(body["error"].is_string());
        }
        statuses.push(status);
    }
    let (ok, limited) = (statuses.iter().filter(|s| **s == 200).count(), statuses.iter().filter(|s| **s == 429).count());
    assert!(ok >= 3 && limited >= 5 && ok + limited == 10, "{statuses:?}");
    let (status, _) = server.get_json("/api/v1/instance").await;
    assert_eq!(status, 200, "other components are not limited");
    let listed = String::from_utf8_lossy(&launch.run(&["components", "list"]).stdout).to_string();
    assert!(listed.contains("3/s"), "{listed}");
}
