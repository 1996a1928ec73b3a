//! Roles for table allowlists (`grants.tables` in a manifest entry): one NOLOGIN role
//! per distinct list, holding privileges on those tables only, that the component role
//! may `SET ROLE` to. A statement of a component with an allowlist runs under it, so
//! PostgreSQL refuses the other component tables too.
//!
//! This is a second fence inside the first: `RESET ROLE` leads back to the component
//! role, which still never reaches the host's tables; the SQL policy's parse remains
//! what keeps an allowlisted component to its list. Roles are made on first use (the
//! lists come from the manifest, which can change while the server runs), named
//! `<component role>_t<hash of the list>`, and carry their list as the role's comment
//! so each start can bring their grants up to date with the schema.

use std::collections::HashSet;

use sqlx::Row;
use sqlx::postgres::PgPool;

use super::component_role::{SETUP_LOCK, component_tables, quote_ident};

/// The role for `tables` (lower-case names) under the component role `base`.
pub(super) fn name(base: &str, tables: &HashSet<String>) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, list(tables).as_bytes());
    let mut cut = base.len().min(52);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_t{}", &base[..cut], hex::encode(&digest.as_ref()[..4]))
}

fn list(tables: &HashSet<String>) -> String {
    let mut sorted: Vec<&str> = tables.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.join(",")
}

/// Creates (if needed) the role for `tables` and grants it its tables and to `base`.
pub(super) async fn ensure(pool: &PgPool, base: &str, tables: &HashSet<String>) -> Result<String, sqlx::Error> {
    let role = name(base, tables);
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SETUP_LOCK).execute(&mut *tx).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)").bind(&role).fetch_one(&mut *tx).await?;
    let quoted = quote_ident(&role);
    if !exists {
        let create = format!("CREATE ROLE {quoted} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS");
        sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&create)).await?;
    }
    let comment = format!("COMMENT ON ROLE {quoted} IS '{}'", list(tables).replace('\'', "''"));
    sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&comment)).await?;
    grant(&mut tx, &role, tables).await?;
    let member = format!("GRANT {quoted} TO {}", quote_ident(base));
    sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&member)).await?;
    tx.commit().await?;
    Ok(role)
}

/// Gives `role` exactly the component tables among `tables`.
async fn grant(tx: &mut sqlx::PgConnection, role: &str, tables: &HashSet<String>) -> Result<(), sqlx::Error> {
    let (schema, component) = component_tables(tx).await?;
    let quoted = quote_ident(role);
    let revoke = format!("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {quoted}", quote_ident(&schema));
    sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&revoke)).await?;
    let granted: Vec<String> = component.iter().filter(|t| tables.contains(&t.to_ascii_lowercase())).map(|t| quote_ident(t)).collect();
    if !granted.is_empty() {
        let statement = format!("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {quoted}", granted.join(", "));
        sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&statement)).await?;
    }
    Ok(())
}

/// At open: brings every allowlist role of `base` up to date with the schema (a table
/// added by a migration, or one that became the host's).
pub(super) async fn refresh(tx: &mut sqlx::PgConnection, base: &str) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.rolname, COALESCE(shobj_description(r.oid, 'pg_authid'), '') FROM pg_roles r \
         JOIN pg_auth_members m ON m.roleid = r.oid JOIN pg_roles b ON b.oid = m.member WHERE b.rolname = $1",
    )
    .bind(base)
    .fetch_all(&mut *tx)
    .await?;
    for row in rows {
        let role: String = row.get(0);
        let tables: HashSet<String> = row.get::<String, _>(1).split(',').filter(|t| !t.is_empty()).map(str::to_string).collect();
        if role == name(base, &tables) {
            grant(tx, &role, &tables).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_depend_on_the_set_not_its_order_and_fit() {
        let a: HashSet<String> = ["statuses", "accounts"].map(String::from).into();
        let b: HashSet<String> = ["accounts", "statuses"].map(String::from).into();
        let c: HashSet<String> = ["statuses"].map(String::from).into();
        assert_eq!(name("db_components", &a), name("db_components", &b));
        assert_ne!(name("db_components", &a), name("db_components", &c));
        assert!(name(&"x".repeat(63), &a).len() <= 63);
    }
}
