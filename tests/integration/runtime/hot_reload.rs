//! Hot reload: a changed `.wasm` is swapped in under load with zero failed requests;
//! a bad replacement is refused and the old version keeps answering; `aerie
//! components reload` and `list` work against the running server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Launch, Server, client, test_program, write_config};

/// Replaces `path` atomically, as a deploy would (write beside it, then rename).
fn replace(path: &std::path::Path, bytes: &[u8]) {
    let tmp = path.with_extension("next");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn version(server: &Server) -> i64 {
    let (status, body) = server.get_json("/hello").await;
    assert_eq!(status, 200, "{body}");
    body["version"].as_i64().unwrap()
}

async fn wait_for_version(server: &Server, wanted: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while version(server).await != wanted {
        assert!(Instant::now() < deadline, "version {wanted} never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_changed_component_is_swapped_under_load_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("hello.wasm");
    std::fs::copy(test_program("hello_v1"), &wasm).unwrap();
    let config =
        write_config(dir.path(), &format!("[[components]]\nid = \"hello\"\nsource = \"{}\"\nroutes = [\"/hello\"]\n", wasm.display()));
    let launch = Launch::with_config(dir.path(), &config);
    let server = launch.serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    assert_eq!(version(&server).await, 1);

    // A load loop runs across the swap.
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed, saw_v2) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (stop, ok, failed, saw_v2, url) = (stop.clone(), ok.clone(), failed.clone(), saw_v2.clone(), server.url("/hello"));
        workers.push(tokio::spawn(async move {
            let http = client();
            while !stop.load(Ordering::Relaxed) {
                match http.get(&url).send().await {
                    Ok(r) if r.status() == 200 => {
                        let body: serde_json::Value = r.json().await.unwrap();
                        ok.fetch_add(1, Ordering::Relaxed);
                        if body["version"] == 2 {
                            saw_v2.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    replace(&wasm, &std::fs::read(test_program("hello_v2")).unwrap());
    wait_for_version(&server, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(failed.load(Ordering::Relaxed), 0, "no request failed during the swap");
    assert!(ok.load(Ordering::Relaxed) > 20 && saw_v2.load(Ordering::Relaxed) > 0);

    // A broken replacement is refused; version 2 keeps answering.
    replace(&wasm, b"this is not a component");
    assert!(server.stderr_shows("refused the new version"), "{}", server.stderr.lock().unwrap());
    assert!(server.stderr.lock().unwrap().contains("hello.wasm"), "the refusal names the file");
    assert_eq!(version(&server).await, 2);
    let output = launch.run(&["components", "reload", "hello"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("refused"), "{}", String::from_utf8_lossy(&output.stdout));
    let listed = String::from_utf8_lossy(&launch.run(&["components", "list"]).stdout).to_string();
    assert!(listed.contains("last reload refused"), "{listed}");
    assert_eq!(version(&server).await, 2);

    // A component that is valid but is not an HTTP handler is refused the same way.
    replace(&wasm, &std::fs::read(test_program("job_recorder")).unwrap());
    let output = launch.run(&["components", "reload", "hello"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(version(&server).await, 2);

    // `components reload` after a good change: confirmed by the node, then served.
    replace(&wasm, &std::fs::read(test_program("hello_v1")).unwrap());
    let output = launch.run(&["components", "reload", "hello"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("running"), "{}", String::from_utf8_lossy(&output.stdout));
    assert_eq!(version(&server).await, 1);

    let listed = String::from_utf8_lossy(&launch.run(&["components", "list"]).stdout).to_string();
    assert!(listed.contains("hello") && listed.contains("mastodon-api") && listed.contains("calls"), "{listed}");
    assert!(!listed.contains("last reload refused"), "the refusal clears after a good reload: {listed}");
}
