use super::*;

/// The example with every `# key = value` line uncommented (the components block,
/// which is an illustration, left out).
fn example_uncommented() -> String {
    EXAMPLE
        .lines()
        .take_while(|line| !line.starts_with("# The component manifest"))
        .map(|line| match line.strip_prefix("# ") {
            Some(rest) if rest.split_once(" = ").is_some_and(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_')) => rest,
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_example_as_shipped_is_the_defaults() {
    let config = from_sources(Some((EXAMPLE, "example")), std::iter::empty()).unwrap();
    assert_eq!(config, Config::default());
}

#[test]
fn every_documented_key_exists_and_documented_defaults_are_the_real_ones() {
    let text = example_uncommented();
    let config = from_sources(Some((&text, "example")), std::iter::empty()).unwrap_or_else(|p| panic!("{p}"));
    // Keys documented with example values rather than defaults:
    let mut expected = Config::default();
    expected.instance.domain = Some("social.example.org".into());
    expected.instance.web_domain = Some("social.example.org".into());
    expected.server.scheme = Some("https".into());
    expected.database.url = Some("postgres://aerie@127.0.0.1:5432/aerie".into());
    expected.storage.data_dir = Some("/var/lib/aerie".into());
    expected.runtime.cache_dir = Some("/var/lib/aerie/cache/components".into());
    expected.blobs.dir = Some("/var/lib/aerie/blobs".into());
    expected.blobs.endpoint = Some("http://127.0.0.1:9000".into());
    expected.blobs.bucket = Some("aerie-media".into());
    expected.blobs.access_key_id = Some("AKIAEXAMPLE".into());
    expected.blobs.secret_access_key = Some("example-secret".into());
    assert_eq!(config, expected);
}

#[test]
fn environment_overrides_win_and_accept_plain_and_listed_values() {
    let env = [
        ("AERIE_SERVER_LISTEN".to_string(), "0.0.0.0:9000".to_string()),
        ("AERIE_INSTANCE_TITLE".to_string(), "2024".to_string()),
        ("AERIE_SERVER_TRUSTED_PROXIES".to_string(), "10.0.0.0/8, 192.168.0.0/16".to_string()),
        ("AERIE_DATABASE_MAX_CONNECTIONS".to_string(), "3".to_string()),
        ("AERIE_DATA_DIR".to_string(), "/ignored/here".to_string()),
    ];
    let config = from_sources(Some(("[server]\nlisten = \"127.0.0.1:1\"\n", "file")), env).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(config.server.listen, "0.0.0.0:9000");
    assert_eq!(config.instance.title, "2024", "a number-looking value for a string key stays a string");
    assert_eq!(config.server.trusted_proxies, vec!["10.0.0.0/8", "192.168.0.0/16"]);
    assert_eq!(config.database.max_connections, 3);
}

#[test]
fn every_problem_is_collected_with_its_source() {
    let text = "[server]\nlisten = 5\nbogus = 1\n[instance]\nmax_characters = \"many\"\n[nonsense]\n";
    let problems = from_sources(Some((text, "aerie.toml")), [("AERIE_RUNTIME_MEMORY_MB".to_string(), "lots".to_string())]).unwrap_err();
    let keys: Vec<&str> = problems.0.iter().map(|p| p.key.as_str()).collect();
    for key in ["server.listen", "server.bogus", "instance.max_characters", "nonsense", "runtime.memory_mb"] {
        assert!(keys.contains(&key), "{key} not in {keys:?}");
    }
    let env_problem = problems.0.iter().find(|p| p.key == "runtime.memory_mb").unwrap();
    assert_eq!(env_problem.source, "environment variable AERIE_RUNTIME_MEMORY_MB");
    assert!(problems.0.iter().all(|p| !p.fix.is_empty()));
}

#[test]
fn trial_and_domain_defaults() {
    let trial = Config::default();
    assert!(trial.is_trial());
    assert_eq!((trial.domain(), trial.web_domain(), trial.scheme()), ("localhost", "localhost", "http"));
    let mut real = Config::default();
    real.instance.domain = Some("example.org".into());
    assert_eq!((real.web_domain(), real.scheme()), ("example.org", "https"));
}

#[test]
fn blob_settings_are_checked_with_a_fix_each() {
    let text = "[blobs]\nbackend = \"s3\"\nendpoint = \"ftp://files.example.org\"\naccess_key_id = \"k\"\n";
    let problems = from_sources(Some((text, "aerie.toml")), std::iter::empty()).unwrap_err();
    let keys: Vec<&str> = problems.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["blobs.bucket", "blobs.endpoint", "blobs.secret_access_key"], "{problems}");
    assert!(problems.0.iter().all(|p| !p.fix.is_empty()));

    let problems = from_sources(Some(("[blobs]\nbackend = \"nfs\"\n", "aerie.toml")), std::iter::empty()).unwrap_err();
    assert_eq!(problems.0[0].key, "blobs.backend");

    let env = [
        ("AERIE_BLOBS_BACKEND".to_string(), "s3".to_string()),
        ("AERIE_BLOBS_BUCKET".to_string(), "media".to_string()),
        ("AERIE_BLOBS_ENDPOINT".to_string(), "http://127.0.0.1:9000".to_string()),
    ];
    let config = from_sources(None, env).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!((config.blobs.backend.as_str(), config.blobs.bucket.as_deref(), config.blobs.path_style), ("s3", Some("media"), true));
    assert!(!format!("{:?}", BlobsConfig { secret_access_key: Some("hunter2".into()), ..Default::default() }).contains("hunter2"));
}

#[test]
fn edge_limits_are_checked() {
    let text = "[server]\nheader_timeout_secs = 0\nidle_timeout_secs = 0\napi_body_limit_bytes = 50000000\n";
    let problems = from_sources(Some((text, "aerie.toml")), std::iter::empty()).unwrap_err();
    let keys: Vec<&str> = problems.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["server.header_timeout_secs", "server.idle_timeout_secs", "server.api_body_limit_bytes"], "{problems}");
    assert!(problems.0[2].message.contains("body_limit_bytes"), "{problems}");
}

#[test]
fn a_value_outside_a_grant_or_hook_names_the_file_the_key_and_the_allowed_values() {
    let text = "[[components]]\nid = \"x\"\nsource = \"builtin:inbox\"\nhook = \"cron\"\ngrants = { db = \"readonly\", blobs = \"rw\", kv = true }\n";
    let problems = from_sources(Some((text, "aerie.toml")), std::iter::empty()).unwrap_err();
    let found = |key: &str| problems.0.iter().find(|p| p.key == key).unwrap_or_else(|| panic!("{key} missing from {problems}"));
    let db = found("components[0].grants.db");
    assert_eq!(db.source, "aerie.toml");
    assert_eq!(db.message, "\"readonly\" is not a db grant");
    assert_eq!(db.fix, "use db = \"none\", \"read-only\" or \"read-write\"");
    assert_eq!(found("components[0].grants.blobs").message, "\"rw\" is not a blobs grant");
    let hook = found("components[0].hook");
    assert_eq!(
        (hook.message.as_str(), hook.fix.as_str()),
        ("\"cron\" is not a hook this host runs", "use hook = \"http\", \"job\" or \"policy\"")
    );
    assert_eq!(problems.0.len(), 3, "{problems}");
}

#[test]
fn grants_and_hooks_keep_their_toml_syntax() {
    let text = "[[components]]\nid = \"x\"\nsource = \"builtin:inbox\"\nhook = \"job\"\njobs = [\"inbox\"]\n\
                grants = { db = \"read-only\", tables = [\"statuses\"], blobs = \"read-write\", kv = true, log = false }\n";
    let config = from_sources(Some((text, "aerie.toml")), std::iter::empty()).unwrap_or_else(|p| panic!("{p}"));
    let entry = &config.components[0];
    assert_eq!(entry.hook, Hook::Job);
    assert_eq!((entry.grants.db, entry.grants.blobs), (DbGrant::ReadOnly, BlobsGrant::ReadWrite));
    assert!(entry.grants.kv && !entry.grants.log && !entry.grants.queue);
    assert_eq!(ComponentEntry::default().hook, Hook::Http);
    assert_eq!(Grants::default().db, DbGrant::None);
}

#[test]
fn a_policy_is_refused_what_reaches_data_or_the_network() {
    for grant in ["db = \"read-only\"", "queue = true", "blobs = \"read-only\"", "events = true", "federation = true"] {
        let text = format!("[[components]]\nid = \"p\"\nsource = \"builtin:keyword-filter\"\nhook = \"policy\"\ngrants = {{ {grant} }}\n");
        let problems = from_sources(Some((&text, "aerie.toml")), std::iter::empty()).unwrap_err();
        assert_eq!(problems.0.len(), 1, "{grant}: {problems}");
        assert_eq!(problems.0[0].key, "components[0].grants");
    }
    let text = "[[components]]\nid = \"p\"\nsource = \"builtin:keyword-filter\"\nhook = \"policy\"\ngrants = { kv = true, log = true }\n";
    from_sources(Some((text, "aerie.toml")), std::iter::empty()).unwrap_or_else(|p| panic!("{p}"));
}
