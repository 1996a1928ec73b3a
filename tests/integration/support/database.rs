//! Databases for tests: which engine, a fresh PostgreSQL database per test (dropped
//! afterwards), a database of either engine opened from the test, and reading one value.

use aerie::config::DatabaseConfig;
use aerie::db::Database;

/// Which engine a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub const ENGINES: [Engine; 2] = [Engine::Sqlite, Engine::Postgres];

/// Where PostgreSQL runs for tests; override with AERIE_TEST_PG.
pub fn pg_admin_url() -> String {
    std::env::var("AERIE_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh PostgreSQL database when `engine` is PostgreSQL.
pub async fn pg_for(engine: Engine) -> Option<PgDatabase> {
    match engine {
        Engine::Postgres => Some(PgDatabase::create().await),
        Engine::Sqlite => None,
    }
}

/// A database created for one test and dropped afterwards.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        use sqlx::Connection;
        let name = format!("aerie_t_{}_{}", std::process::id(), rand_suffix());
        let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.expect(
            "PostgreSQL must run on 127.0.0.1:5432 (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)",
        );
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        let base = pg_admin_url();
        let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
        PgDatabase { url, name }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop from a thread of its own: Drop may run inside a runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&pg_admin_url()).await {
                    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
                    // Roles are cluster-wide: drop the component roles aerie made for it.
                    let roles: Vec<String> =
                        sqlx::query_scalar("SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname DESC")
                            .bind(format!("{name}_components"))
                            .fetch_all(&mut admin)
                            .await
                            .unwrap_or_default();
                    for role in roles {
                        let _ = sqlx::raw_sql(&format!("DROP ROLE IF EXISTS \"{role}\"")).execute(&mut admin).await;
                    }
                }
            });
        })
        .join();
    }
}

fn rand_suffix() -> String {
    use rand::Rng;
    format!("{:08x}", rand::thread_rng().r#gen::<u32>())
}

/// A database of either engine for library-level tests; keeps its files alive.
pub struct TestDb {
    pub db: Database,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgDatabase>,
}

pub async fn test_db(engine: Engine, config: &DatabaseConfig) -> TestDb {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            let db = Database::open(&url, config, true).await.unwrap();
            TestDb { db, url, _dir: Some(dir), _pg: None }
        }
        Engine::Postgres => {
            let pg = PgDatabase::create().await;
            let db = Database::open(&pg.url, config, true).await.unwrap();
            TestDb { db, url: pg.url.clone(), _dir: None, _pg: Some(pg) }
        }
    }
}

/// The first column of the first row, if any.
pub async fn scalar(db: &Database, sql: &str, params: Vec<aerie::db::Value>) -> Option<aerie::db::Value> {
    db.query(sql, params).await.unwrap().rows.first().and_then(|r| r.first().cloned())
}
