//! Schema migrations, embedded in the binary: `migrations/sqlite` and
//! `migrations/postgres` hold the same versions (a test keeps them in step).

use sqlx::migrate::Migrator;

pub static SQLITE: Migrator = sqlx::migrate!("../migrations/sqlite");
pub static POSTGRES: Migrator = sqlx::migrate!("../migrations/postgres");
