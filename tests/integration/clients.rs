//! Real Mastodon client libraries against the real server, on both engines:
//! Mastodon.py 2.3.3 (installed by tests/run) drives tests/clients/mastodon_py_flow.py —
//! app registration, password and browser-form logins, posting, replies, boosts,
//! favourites, bookmarks, notifications, paging, edits, deletes, SSE streaming and
//! followers-only visibility; masto.js 7.12 (npm, tests/clients/package.json) drives
//! tests/clients/masto_flow.mjs — its OAuth client, WebSocket streaming with the token
//! as the protocol, hashtag and delete events, and its paginator.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{ENGINES, Instance};

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/clients").join(name)
}

#[tokio::test]
async fn mastodon_py_works_unchanged() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        instance.create_account("bob", "bob-password-1");
        let base = instance.url("");
        let output = tokio::task::spawn_blocking(move || {
            Command::new("python3")
                .arg(script("mastodon_py_flow.py"))
                .arg(base)
                .output()
                .expect("running python3 (tests/run installs Mastodon.py)")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{engine:?}: Mastodon.py flow failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
            instance.server.stderr.lock().unwrap()
        );
        assert!(stdout.contains("mastodon.py flow: ok"), "{stdout}");
    }
}

#[tokio::test]
async fn masto_js_works_unchanged() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        instance.create_account("bob", "bob-password-1");
        let base = instance.url("");
        let output = tokio::task::spawn_blocking(move || {
            Command::new("node").arg(script("masto_flow.mjs")).arg(base).output().expect("running node (tests/run installs masto)")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{engine:?}: masto flow failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
            instance.server.stderr.lock().unwrap()
        );
        assert!(stdout.contains("masto flow: ok"), "{stdout}");
    }
}
