//! Real Mastodon client libraries against the real server, on both engines:
//! Mastodon.py 2.3.3 (installed by tests/run) drives tests/clients/mastodon_py_flow.py —
//! app registration, password and browser-form logins, posting, replies, boosts,
//! favourites, bookmarks, notifications, paging, edits, deletes, SSE streaming,
//! followers-only visibility, a media upload posted with a status, and an avatar
//! uploaded with update_credentials and removed; masto.js 7.12
//! (npm, tests/clients/package.json) drives tests/clients/masto_flow.mjs — its OAuth
//! client, WebSocket streaming with the token as the protocol, hashtag and delete
//! events, its paginator, and a v2 media upload (it polls the media until its url is set).

use std::path::PathBuf;
use std::process::Command;

use crate::support::{ENGINES, Instance};

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/clients").join(name)
}

/// Runs `program script` against a fresh instance with alice and bob, on both engines;
/// the script prints `marker` when every check passed.
pub(crate) async fn run_client_script(program: &'static str, script_name: &'static str, marker: &str) {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        instance.create_account("bob", "bob-password-1");
        let base = instance.url("");
        let output = tokio::task::spawn_blocking(move || {
            Command::new(program)
                .arg(script(script_name))
                .arg(base)
                .output()
                .unwrap_or_else(|e| panic!("running {program} (tests/run installs it): {e}"))
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{engine:?}: {script_name} failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
            instance.server.stderr.lock().unwrap()
        );
        assert!(stdout.contains(marker), "{stdout}");
    }
}

#[tokio::test]
async fn mastodon_py_works_unchanged() {
    run_client_script("python3", "mastodon_py_flow.py", "mastodon.py flow: ok").await;
}

#[tokio::test]
async fn masto_js_works_unchanged() {
    run_client_script("node", "masto_flow.mjs", "masto flow: ok").await;
}
