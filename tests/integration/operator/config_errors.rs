//! A malformed configuration: every problem at once, each with its key and fix, exit 2.

use crate::support::{Launch, write_config};

#[test]
fn every_problem_is_reported_at_once_with_key_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        r#"
[instance]
domain = "https://social.example.org/"
max_charactrs = 500

[server]
listen = "localhost"
trusted_proxies = ["10.0.0.0/8", "not-a-network"]
request_timeout_secs = "thirty"

[[components]]
id = "extra"
source = "/nowhere/extra.wasm"
routes = ["api/*"]
grants = { db = "everything" }
"#,
    );
    let launch = Launch::new(dir.path())
        .arg("--config")
        .arg(config.display().to_string())
        .env("AERIE_DATABASE_MAX_CONNECTIONS", "many")
        .env("AERIE_NOSECTION_KEY", "1");
    let output = launch.run(&["config", "check"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for key in ["instance.max_charactrs", "server.request_timeout_secs", "database.max_connections", "AERIE_NOSECTION_KEY"] {
        assert!(stderr.contains(key), "{key} missing from:\n{stderr}");
    }
    assert!(stderr.contains("environment variable AERIE_DATABASE_MAX_CONNECTIONS"), "names where the value came from:\n{stderr}");
    assert!(stderr.matches("fix:").count() >= 4, "every problem has a fix:\n{stderr}");

    // With the type errors fixed, the semantic checks report all of theirs together.
    let config = write_config(
        dir.path(),
        r#"
[instance]
domain = "https://social.example.org/"

[server]
listen = "localhost"
trusted_proxies = ["10.0.0.0/8", "not-a-network"]

[[components]]
id = "extra"
source = "/nowhere/extra.wasm"
routes = ["api/*"]
grants = { db = "everything" }
"#,
    );
    let output = Launch::new(dir.path()).arg("--config").arg(config.display().to_string()).run(&["config", "check"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for needle in [
        "instance.domain",
        "domain = \"social.example.org\"",
        "server.listen",
        "server.trusted_proxies",
        "not-a-network",
        "components[0].source",
        "components[0].routes",
        "components[0].grants.db",
        "has 6 problems",
    ] {
        assert!(stderr.contains(needle), "{needle} missing from:\n{stderr}");
    }
}

#[test]
fn serve_refuses_a_broken_config_and_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "[server\nlisten = 1");
    let output = Launch::new(dir.path()).arg("--config").arg(config.display().to_string()).run(&["serve"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not valid TOML") && stderr.contains("line 1"), "{stderr}");

    let output = Launch::new(dir.path()).arg("--config").arg("/nowhere/aerie.toml").run(&["serve"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nowhere/aerie.toml"), "{stderr}");
}

#[test]
fn an_unwritable_data_directory_is_reported_with_the_command_that_fixes_it() {
    // Root bypasses file permissions, so this only means something for other users.
    if unsafe { libc::geteuid() } == 0 {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        // A data dir under a regular file cannot be created, even by root.
        let output = Launch::new(dir.path()).arg("--data-dir").arg(blocker.join("data").display().to_string()).run(&["serve"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("cannot create the data directory") && stderr.contains("sudo install -d -m 700"), "{stderr}");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    let output = Launch::new(dir.path()).arg("--data-dir").arg(locked.display().to_string()).run(&["serve"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sudo chown -R"), "{stderr}");
}

#[test]
fn an_unreachable_bucket_is_reported_at_start_not_at_the_first_upload() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 of loopback.
    let config = write_config(
        dir.path(),
        "[blobs]\nbackend = \"s3\"\nendpoint = \"http://127.0.0.1:9\"\nbucket = \"media\"\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\n",
    );
    for command in [&["config", "check"][..], &["serve"][..]] {
        let output = Launch::with_config(dir.path(), &config).run(command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(stderr.contains("blob store") && stderr.contains("blobs.endpoint") && stderr.contains("fix"), "{command:?}: {stderr}");
    }
}

#[test]
fn an_unusable_extra_ca_file_stops_the_start_naming_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("notes.txt");
    std::fs::write(&not_pem, "these are not certificates\n").unwrap();
    let broken = dir.path().join("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n").unwrap();
    let missing = dir.path().join("nowhere/lab-ca.pem");
    for (file, reason) in [(&missing, "cannot read"), (&not_pem, "holds no PEM certificate"), (&broken, "cannot be used")] {
        let config = write_config(dir.path(), &format!("[federation]\nextra_ca_file = {:?}\n", file.display().to_string()));
        for command in [&["config", "check"][..], &["serve"][..]] {
            let output = Launch::with_config(dir.path(), &config).run(command);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{command:?} {file:?}: {stderr}");
            for needle in ["federation.extra_ca_file", &file.display().to_string(), reason, "PEM bundle of CA certificates"] {
                assert!(stderr.contains(needle), "{command:?} {file:?}: {needle} missing from:\n{stderr}");
            }
        }
    }
}
