//! Web Push with a real client library, on both engines: Mastodon.py 2.3.3 drives
//! tests/clients/push_flow.py — keys from `push_subscription_generate_keys`,
//! `push_subscription_set` (form parameters, base64 keys, `policy` outside `data`),
//! a mention's push decrypted by the script's own RFC 8291 code, `push_subscription_update`,
//! `push_subscription_delete`, a token without `push` refused. The script runs the
//! push service, reached as `push.test` through `[federation.resolve]`.

use std::process::Command;

use crate::support::{ENGINES, Instance, free_port};

#[tokio::test(flavor = "multi_thread")]
async fn mastodon_py_subscribes_and_decrypts_pushes() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/clients/push_flow.py");
    for engine in ENGINES {
        let push_port = free_port();
        let instance = Instance::start_federated(engine, "social.test", free_port(), &[("push.test", push_port)]).await;
        instance.create_account("alice", "alice-password-1");
        instance.create_account("bob", "bob-password-1");
        let (base, script) = (instance.url(""), script.clone());
        let output = tokio::task::spawn_blocking(move || {
            Command::new("python3")
                .arg(script)
                .arg(base)
                .arg(push_port.to_string())
                .output()
                .unwrap_or_else(|e| panic!("running python3 (tests/run installs Mastodon.py): {e}"))
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && stdout.contains("push flow: ok"),
            "{engine:?}: push_flow.py failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
            instance.server.stderr.lock().unwrap()
        );
    }
}
