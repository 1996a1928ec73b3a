//! First start: the binary alone, in an empty directory, with no config, serves the
//! instance endpoints from SQLite; and the same endpoints against PostgreSQL.

use std::os::unix::fs::PermissionsExt;

use crate::support::{Launch, PgDatabase, Server, write_config};

/// Checks the instance endpoints, the host routes and the JSON 404.
async fn assert_instance_endpoints(server: &Server, domain: &str) {
    let (status, v1) = server.get_json("/api/v1/instance").await;
    assert_eq!(status, 200, "{v1}");
    assert_eq!(v1["uri"], domain);
    assert!(v1["version"].as_str().unwrap().starts_with("4.3.0 (compatible; Aerie "), "{v1}");
    assert_eq!(v1["stats"]["user_count"], 0);
    assert_eq!(v1["configuration"]["statuses"]["max_characters"], 500);
    assert!(v1["urls"]["streaming_api"].as_str().unwrap().starts_with("ws://"), "plain http advertises ws://: {v1}");

    let (status, v2) = server.get_json("/api/v2/instance").await;
    assert_eq!(status, 200);
    assert_eq!(v2["domain"], domain);
    assert_eq!(v2["api_versions"]["mastodon"], 2);
    assert_eq!(v2["usage"]["users"]["active_month"], 0);

    let (status, discovery) = server.get_json("/.well-known/nodeinfo").await;
    assert_eq!(status, 200);
    let links = discovery["links"].as_array().unwrap();
    assert!(links.iter().any(|l| l["href"].as_str().unwrap().ends_with(&format!("{domain}/nodeinfo/2.1"))), "{discovery}");

    let (status, nodeinfo) = server.get_json("/nodeinfo/2.1").await;
    assert_eq!(status, 200);
    assert_eq!(nodeinfo["version"], "2.1");
    assert_eq!(nodeinfo["software"]["name"], "aerie");
    assert_eq!(nodeinfo["protocols"][0], "activitypub");
    assert_eq!(nodeinfo["usage"]["users"]["total"], 0);

    let (status, body) = server.get_text("/health").await;
    assert_eq!((status, body.as_str()), (200, "OK"));
    let (status, _) = server.get_text("/health/ready").await;
    assert_eq!(status, 200, "the database answers");

    // Responses are compressed for clients that ask.
    let response = reqwest::Client::new().get(server.url("/api/v1/instance")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));

    let (status, missing) = server.get_json("/no/such/path").await;
    assert_eq!(status, 404);
    assert!(missing["error"].is_string());
    let (status, missing) = server.get_json("/api/v1/no_such_endpoint").await;
    assert_eq!(status, 404, "unknown API paths answer from the component");
    assert!(missing["error"].is_string());

    let (status, metrics) = server.get_text("/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("aerie_component_calls_total{component=\"mastodon-api\",outcome=\"ok\"}"), "{metrics}");
}

#[tokio::test]
async fn the_binary_alone_starts_with_no_config_and_serves_from_sqlite() {
    let root = tempfile::tempdir().unwrap();
    let bin_dir = root.path().join("bin");
    let work = root.path().join("empty");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let binary = bin_dir.join("aerie");
    std::fs::copy(crate::support::aerie_bin(), &binary).unwrap();

    // Nothing but the binary: no config, no target/, no shared cache.
    let mut launch = Launch::new(&work);
    launch.binary = binary;
    launch.shared_cache = false;
    let server = launch.serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));

    let data = work.join("aerie-data");
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the data directory is private");
    assert!(data.join("aerie.toml").is_file(), "a config file was written");
    assert!(data.join("aerie.db").is_file(), "the SQLite database was created");
    let key_mode = std::fs::metadata(data.join("keys/instance.pem")).unwrap().permissions().mode() & 0o777;
    assert_eq!(key_mode, 0o600, "the instance key is private");
    let cache_mode = std::fs::metadata(data.join("cache/components")).unwrap().permissions().mode() & 0o777;
    assert_eq!(cache_mode, 0o700, "the compiled-component cache is private");
    assert!(server.stderr_shows("CANNOT FEDERATE"), "a trial says loudly that it cannot federate");

    assert_instance_endpoints(&server, "localhost").await;

    // The component reads live data through `db`: a new local account is counted.
    let url = format!("sqlite://{}", data.join("aerie.db").display());
    let db = aerie::db::Database::open(&url, &Default::default(), false).await.unwrap();
    db.execute(
        "INSERT INTO accounts (id, username, domain, created_at) VALUES ($1, $2, NULL, $3)",
        vec![1.into(), "alice".into(), 0.into()],
    )
    .await
    .unwrap();
    let (_, v1) = server.get_json("/api/v1/instance").await;
    assert_eq!(v1["stats"]["user_count"], 1);
    // Housekeeping is scheduled from the first start: finished jobs are pruned hourly.
    let recurring = db.query("SELECT schedule, kind FROM recurring_jobs WHERE name = 'prune-jobs'", vec![]).await.unwrap();
    assert_eq!((recurring.text(0, "schedule"), recurring.text(0, "kind")), (Some("17 * * * *"), Some("prune-jobs")));
    db.close().await;

    // A second start reuses everything, including the compiled components.
    server.stop();
    let mut again = Launch::new(&work);
    again.binary = bin_dir.join("aerie");
    again.shared_cache = false;
    let server = again.serve().unwrap_or_else(|(code, err)| panic!("restart: exit {code:?}: {err}"));
    assert!(server.stderr_shows("cache=Hit"), "warm start loads .cwasm: {}", server.stderr.lock().unwrap());
    let (_, v1) = server.get_json("/api/v1/instance").await;
    assert_eq!(v1["stats"]["user_count"], 1);
}

#[tokio::test]
async fn serves_the_instance_endpoints_from_postgresql() {
    let pg = PgDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(
        dir.path(),
        &format!("[instance]\ndomain = \"pg.example\"\n[server]\nscheme = \"http\"\n[database]\nurl = \"{}\"\n", pg.url),
    );
    let server = Launch::new(dir.path())
        .arg("--config")
        .arg(config.display().to_string())
        .arg("--data-dir")
        .arg(data.display().to_string())
        .serve()
        .unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    assert_instance_endpoints(&server, "pg.example").await;
    assert!(!server.stderr.lock().unwrap().contains("CANNOT FEDERATE"), "an instance with a domain is no trial");

    let db = aerie::db::Database::open(&pg.url, &Default::default(), false).await.unwrap();
    db.execute("INSERT INTO accounts (id, username, domain, created_at) VALUES ($1, $2, NULL, $3)", vec![1.into(), "bob".into(), 0.into()])
        .await
        .unwrap();
    let (_, nodeinfo) = server.get_json("/nodeinfo/2.1").await;
    assert_eq!(nodeinfo["usage"]["users"]["total"], 1);
    db.close().await;
}
