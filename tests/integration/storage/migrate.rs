//! `aerie migrate` brings a fresh database up to date on both engines, and a second
//! run is a no-op.

use crate::support::{ENGINES, Launch, write_config};

#[tokio::test]
async fn migrate_creates_the_schema_on_both_engines() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let pg = crate::support::pg_for(engine).await;
        let config = write_config(dir.path(), &crate::support::database_section(pg.as_ref()));
        let launch =
            Launch::new(dir.path()).arg("--config").arg(config.display().to_string()).arg("--data-dir").arg(data.display().to_string());
        std::fs::create_dir_all(&data).unwrap();
        for _ in 0..2 {
            let output = launch.run(&["migrate"]);
            assert!(output.status.success(), "{engine:?}: {}", String::from_utf8_lossy(&output.stderr));
            assert!(String::from_utf8_lossy(&output.stdout).contains("schema is up to date"));
        }
        let url = match &pg {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite://{}", data.join("aerie.db").display()),
        };
        let db = aerie::db::Database::open(&url, &Default::default(), false).await.unwrap();
        let rows = db.query("SELECT COUNT(*) AS n FROM instance_settings", vec![]).await.unwrap();
        assert_eq!(rows.get(0, "n").and_then(|v| v.as_i64()), Some(0), "{engine:?}: the table exists and is empty");
        db.close().await;
    }
}
