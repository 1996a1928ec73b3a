//! What clients call as they start, through Mastodon.py 2.3.3's own methods, on both
//! engines: tests/clients/instance_flow.py reads an announcement the operator
//! published with the CLI (`announcements`, `announcement_reaction_create` and
//! `_delete`, `announcement_dismiss`), trends (`trending_tags`, `trending_statuses`,
//! `trending_links`), `suggestions` and `suggestion_delete`, `directory`,
//! `preferences` after `account_update_credentials`, and the instance's
//! `instance_extended_description`, `instance_languages` and
//! `instance_translation_languages`.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{ENGINES, Instance};

#[tokio::test]
async fn mastodon_py_reads_what_clients_call_at_start() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        for name in ["alice", "bob", "carol"] {
            instance.create_account(name, &format!("{name}-password-1"));
        }
        let out = instance.launch.run(&["admin", "announcement", "add", "Welcome to #aerie"]);
        assert!(out.status.success(), "{engine:?}: {}", String::from_utf8_lossy(&out.stderr));
        let base = instance.url("");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/clients/instance_flow.py");
        let output = tokio::task::spawn_blocking(move || {
            Command::new("python3").arg(script).arg(base).output().unwrap_or_else(|e| panic!("running python3: {e}"))
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && stdout.contains("instance flow: ok"),
            "{engine:?}: instance_flow.py failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
            instance.server.stderr.lock().unwrap()
        );
    }
}
