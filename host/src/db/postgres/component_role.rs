//! The PostgreSQL role component SQL logs in as, set up at open after migrations.
//!
//! Why a login role and not `SET ROLE`: PostgreSQL lets any statement switch back to
//! the *session* user (`RESET ROLE`, `set_config('role', …)`), so a statement run
//! under `SET LOCAL ROLE` by aerie's own login could undo it and read everything
//! aerie owns. A session that logs in as the component role has no role to switch
//! to, is no superuser (so no `SET SESSION AUTHORIZATION`), and holds privileges on
//! the component tables only: whatever the SQL policy's parse lets through, the
//! engine refuses the host's tables (`HOST_ONLY_TABLES`).
//!
//! The role is per database (`<database>_components`; roles are cluster-wide, several
//! instances or test databases may share a cluster). Its password is derived from
//! aerie's own (HMAC-SHA-256 keyed with it), so every node sharing the database
//! computes the same one and nothing new has to be stored or configured. Setup runs
//! in one transaction under an advisory lock, so nodes starting together do not trip
//! over each other's grants ("tuple concurrently updated").

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPool};

use crate::capabilities::db::sql_policy::HOST_ONLY_TABLES;
use crate::operator_error::OperatorError;

/// Held while the role and its grants are brought up to date (an arbitrary constant,
/// distinct from sqlx's migration lock).
pub(super) const SETUP_LOCK: i64 = 0x6165_7269_6501;

/// PostgreSQL's longest identifier, in bytes.
const MAX_IDENTIFIER: usize = 63;

/// How component connections log in.
pub(super) struct ComponentLogin {
    pub role: String,
    pub database: String,
    pub options: PgConnectOptions,
}

/// The component role's name for `database`: `<database>_components`, shortened with a
/// hash of the full name when that would pass PostgreSQL's 63-byte limit.
pub(super) fn role_name(database: &str) -> String {
    const SUFFIX: &str = "_components";
    if database.len() + SUFFIX.len() <= MAX_IDENTIFIER {
        return format!("{database}{SUFFIX}");
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, database.as_bytes());
    let mut cut = 40;
    while !database.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{}{SUFFIX}", &database[..cut], hex::encode(&digest.as_ref()[..4]))
}

/// A SQL identifier, quoted.
pub(super) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The password of aerie's own login: in the URL, else `PGPASSWORD` (as libpq and
/// sqlx read it). `None` when it authenticates otherwise (trust, certificates).
fn own_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let in_url =
        authority.rsplit_once('@').and_then(|(userinfo, _)| userinfo.split_once(':')).map(|(_, password)| percent_decode(password));
    in_url.or_else(|| std::env::var("PGPASSWORD").ok()).filter(|p| !p.is_empty())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The component role's password: HMAC-SHA-256 of its name keyed with aerie's own
/// password, so it is as secret as that one and the same on every node.
fn derived_password(own: &str, role: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, own.as_bytes());
    let tag = ring::hmac::sign(&key, format!("aerie component role {role}").as_bytes());
    hex::encode(tag.as_ref())
}

/// Creates or updates the component role and its grants (idempotent), and says how
/// component connections log in.
pub(super) async fn prepare(pool: &PgPool, url: &str) -> anyhow::Result<ComponentLogin> {
    let mut conn = pool.acquire().await?;
    let database: String = sqlx::query_scalar("SELECT current_database()").fetch_one(&mut *conn).await?;
    let role = role_name(&database);
    let password = own_password(url).map(|own| derived_password(&own, &role));

    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SETUP_LOCK).execute(&mut *tx).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)").bind(&role).fetch_one(&mut *tx).await?;
    // A role made only for this: it can log in and do nothing else. NOINHERIT: should
    // an operator ever grant it a role, it would still have to SET ROLE to use it.
    let attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS";
    let password_clause = match &password {
        Some(p) => format!("PASSWORD '{p}'"),
        None => "PASSWORD NULL".to_string(),
    };
    let verb = if exists { "ALTER" } else { "CREATE" };
    let statement = format!("{verb} ROLE {} {attributes} {password_clause}", quote_ident(&role));
    let mut savepoint = tx.begin().await?;
    match sqlx::Executor::execute(&mut *savepoint, sqlx::raw_sql(&statement)).await {
        Ok(_) => savepoint.commit().await?,
        // A role the operator made beforehand, which aerie may not alter: used as it is
        // if it is harmless (checked below) and can log in (checked at open).
        Err(e) if exists && is_denied(&e) => {
            savepoint.rollback().await?;
            tracing::warn!(role = %role, "aerie may not alter the component role; using it as it is");
        }
        Err(e) => return Err(role_setup_error(&role, &database, exists, e)),
    }
    let (powerful, memberships): (bool, i64) = sqlx::query_as(
        "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls, \
         (SELECT count(*) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid \
          WHERE m.member = r.oid AND NOT starts_with(g.rolname, left(r.rolname, 52) || '_t')) FROM pg_roles r WHERE rolname = $1",
    )
    .bind(&role)
    .fetch_one(&mut *tx)
    .await?;
    if powerful || memberships > 0 {
        return Err(OperatorError::new(
            format!("the role {role:?} that component SQL runs as holds more than aerie grants it (attributes or memberships of other roles)"),
            format!(
                "as a superuser run: ALTER ROLE {q} NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS; and REVOKE every role granted to it (\\du {role} lists them)",
                q = quote_ident(&role)
            ),
        )
        .into());
    }

    let (schema, component_tables) = component_tables(&mut tx).await?;
    let component_tables: Vec<String> = component_tables.iter().map(|t| quote_ident(t)).collect();

    let quoted = quote_ident(&role);
    let database_ident = quote_ident(&database);
    let schema_ident = quote_ident(&schema);
    // Everything is revoked first, so a table that became the host's loses its grant.
    // TEMPORARY is taken from PUBLIC: a temporary table named like a real one would
    // shadow it for later statements on the same connection.
    let mut grants = vec![
        format!("REVOKE ALL ON ALL TABLES IN SCHEMA {schema_ident} FROM {quoted}"),
        format!("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema_ident} FROM {quoted}"),
        format!("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {schema_ident} FROM {quoted}"),
        format!("REVOKE TEMPORARY ON DATABASE {database_ident} FROM PUBLIC, {quoted}"),
        format!("GRANT CONNECT ON DATABASE {database_ident} TO {quoted}"),
        format!("GRANT USAGE ON SCHEMA {schema_ident} TO {quoted}"),
    ];
    if !component_tables.is_empty() {
        grants.push(format!("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {quoted}", component_tables.join(", ")));
    }
    for statement in grants {
        sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&statement)).await.map_err(|e| grant_error(&role, &database, &statement, e))?;
    }
    // Before PostgreSQL 15 everyone may create objects in `public`; a table or function
    // made there by component SQL would outlive the call.
    let can_create: bool =
        sqlx::query_scalar("SELECT has_schema_privilege($1, $2, 'CREATE')").bind(&role).bind(&schema).fetch_one(&mut *tx).await?;
    if can_create {
        let revoke = format!("REVOKE CREATE ON SCHEMA {schema_ident} FROM PUBLIC");
        let mut savepoint = tx.begin().await?;
        match sqlx::Executor::execute(&mut *savepoint, sqlx::raw_sql(&revoke)).await {
            Ok(_) => savepoint.commit().await?,
            Err(e) => {
                savepoint.rollback().await?;
                tracing::warn!(error = %e, role = %role, "component SQL may create objects in schema {schema}; as the schema's owner run: {revoke}");
            }
        }
    }
    super::table_roles::refresh(&mut tx, &role).await?;
    tx.commit().await?;

    let mut options = PgConnectOptions::from_str(url)?.username(&role).application_name("aerie-components");
    if let Some(p) = &password {
        options = options.password(p);
    }
    // Warnings off at the session default: the reset on release ends and opens
    // transactions whatever state a component left, and PostgreSQL warns when there is
    // none to end or one already open; those warnings would fill the log.
    options = options.options([("client_min_messages", "error")]);
    Ok(ComponentLogin { role, database, options })
}

/// The schema the migrations made the tables in (`public` unless the operator set a
/// search_path) and its tables that are not the host's own.
pub(super) async fn component_tables(conn: &mut sqlx::PgConnection) -> Result<(String, Vec<String>), sqlx::Error> {
    let schema: String = sqlx::query_scalar("SELECT current_schema()").fetch_one(&mut *conn).await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm')",
    )
    .bind(&schema)
    .fetch_all(&mut *conn)
    .await?;
    let component = tables.into_iter().filter(|t| !HOST_ONLY_TABLES.contains(&t.to_ascii_lowercase().as_str())).collect();
    Ok((schema, component))
}

fn is_denied(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("42501"))
}

fn role_setup_error(role: &str, database: &str, exists: bool, e: sqlx::Error) -> anyhow::Error {
    if !is_denied(&e) {
        return e.into();
    }
    let what = if exists { "update" } else { "create" };
    OperatorError::new(
        format!("aerie's database role may not {what} the role {role:?} that component SQL logs in as"),
        format!(
            "as a superuser run: ALTER ROLE <aerie's role> CREATEROLE; (it sets the role's password, derived from its own, at every start; \
             see \"The database role\" in README.md; {database:?} is the database)"
        ),
    )
    .into()
}

fn grant_error(role: &str, database: &str, statement: &str, e: sqlx::Error) -> anyhow::Error {
    OperatorError::new(
        format!("granting the component role {role:?} its privileges failed ({statement}): {e}"),
        format!(
            "aerie's role must own the database {database:?} and its tables: as a superuser run ALTER DATABASE {} OWNER TO <aerie's role>",
            quote_ident(database)
        ),
    )
    .into()
}

/// A clear error when the component role cannot log in (pg_hba.conf).
pub(super) fn login_error(role: &str, database: &str, e: sqlx::Error) -> anyhow::Error {
    OperatorError::new(
        format!("component SQL logs in to PostgreSQL as the role {role:?}, and that login failed: {e}"),
        format!(
            "allow it in pg_hba.conf the way aerie's own role logs in (e.g. `host {database} {role} 127.0.0.1/32 scram-sha-256`, \
             or `local {database} {role} scram-sha-256` for a Unix socket; peer authentication cannot work for it) and reload PostgreSQL; \
             if you created the role yourself, give aerie's role CREATEROLE so it can set the role's password"
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_fit_postgres_identifiers() {
        assert_eq!(role_name("aerie"), "aerie_components");
        let long = "x".repeat(80);
        let name = role_name(&long);
        assert!(name.len() <= MAX_IDENTIFIER, "{name}");
        assert_ne!(role_name(&format!("{long}a")), role_name(&format!("{long}b")), "the hash keeps long names apart");
    }

    #[test]
    fn own_password_is_read_from_the_url() {
        assert_eq!(own_password("postgres://aerie:s%40cret@db:5432/aerie?sslmode=require").as_deref(), Some("s@cret"));
        assert_eq!(own_password("postgres://a:b@c@host/db").as_deref(), Some("b@c"));
        assert_eq!(own_password("postgres://aerie@db/aerie?x=a:b@c"), std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()));
    }

    #[test]
    fn derived_passwords_depend_on_both_inputs() {
        let a = derived_password("one", "db_components");
        assert_eq!(a.len(), 64);
        assert_ne!(a, derived_password("two", "db_components"));
        assert_ne!(a, derived_password("one", "other_components"));
    }
}
