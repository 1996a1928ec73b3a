//! `aerie:host/kv`: a key-value namespace per component, in the host-only
//! `kv_entries` table. The namespace is the component id, set by the host: no
//! component can name another's keys.

use wasmtime::component::{HasData, Linker};

use super::aerie::host::kv::{self as wit, Host};
use super::db::Transactions;
use super::{Capability, Grant, Setup, States};
use crate::clock::now_millis;
use crate::config::Grants;
use crate::db::{Database, DbError, Engine, Value};
use crate::runtime::state::StoreState;

pub const MAX_KEY_BYTES: usize = 1024;
pub const MAX_VALUE_BYTES: usize = 1 << 20;

/// The capability: `grants.kv` (also Spin's key-value, see [`super::spin`]).
pub struct Kv;

/// What the `Host` impl works on: the component's namespace, and the call's open
/// transactions (a kv write waits for them on SQLite).
pub struct KvView<'a> {
    pub kv: Option<&'a KvStore>,
    pub transactions: &'a Transactions,
}

struct Data;

impl HasData for Data {
    type Data<'a> = KvView<'a>;
}

impl Capability for Kv {
    fn name(&self) -> &'static str {
        "kv"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/kv"]
    }

    fn grant(&self) -> Grant {
        Grant::Switch("kv")
    }

    fn granted(&self, grants: &Grants) -> bool {
        grants.kv
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| KvView {
            kv: state.capabilities.kv.as_ref(),
            transactions: &state.transactions,
        })
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        states.kv = Some(KvStore::new(setup.database.clone(), setup.component_id.to_string()));
    }
}

/// One component's namespace.
#[derive(Clone)]
pub struct KvStore {
    db: Database,
    namespace: String,
}

/// Why a kv call failed, in the capability's own terms.
#[derive(Debug, Clone)]
pub enum KvError {
    TooLarge(String),
    Unavailable(String),
}

impl From<DbError> for KvError {
    fn from(e: DbError) -> Self {
        KvError::Unavailable(e.to_string())
    }
}

fn check_key(key: &str) -> Result<(), KvError> {
    if key.len() > MAX_KEY_BYTES {
        return Err(KvError::TooLarge(format!("keys are at most {MAX_KEY_BYTES} bytes")));
    }
    Ok(())
}

impl KvStore {
    pub fn new(db: Database, namespace: impl Into<String>) -> KvStore {
        KvStore { db, namespace: namespace.into() }
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        check_key(key)?;
        let rows = self
            .db
            .query(
                "SELECT value FROM kv_entries WHERE component = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)",
                vec![self.namespace.clone().into(), key.into(), now_millis().into()],
            )
            .await?;
        Ok(match rows.get(0, "value") {
            Some(Value::Bytes(b)) => Some(b.clone()),
            _ => None,
        })
    }

    pub async fn set(&self, key: &str, value: Vec<u8>, ttl_ms: Option<u64>) -> Result<(), KvError> {
        check_key(key)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(KvError::TooLarge(format!("values are at most {MAX_VALUE_BYTES} bytes")));
        }
        let expires = ttl_ms.map(|ttl| Value::Int(now_millis() + ttl as i64)).unwrap_or(Value::Null);
        self.db
            .execute(
                "INSERT INTO kv_entries (component, key, value, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (component, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                vec![self.namespace.clone().into(), key.into(), Value::Bytes(value), expires],
            )
            .await?;
        Ok(())
    }

    pub async fn delete(&self, key: &str) -> Result<bool, KvError> {
        check_key(key)?;
        let live = self.get(key).await?.is_some();
        self.db
            .execute("DELETE FROM kv_entries WHERE component = $1 AND key = $2", vec![self.namespace.clone().into(), key.into()])
            .await?;
        Ok(live)
    }

    pub async fn list_keys(&self, prefix: &str, limit: u32) -> Result<Vec<String>, KvError> {
        // Prefix match without LIKE (its wildcards and case rules differ by engine)
        // or range bounds (their order depends on PostgreSQL's collation).
        let rows = self
            .db
            .query(
                "SELECT key FROM kv_entries WHERE component = $1 AND substr(key, 1, CAST($3 AS INTEGER)) = $2 \
                 AND (expires_at IS NULL OR expires_at > $4) ORDER BY key LIMIT $5",
                vec![
                    self.namespace.clone().into(),
                    prefix.into(),
                    (prefix.chars().count() as i64).into(),
                    now_millis().into(),
                    (limit.min(10_000) as i64).into(),
                ],
            )
            .await?;
        Ok(rows.rows.iter().filter_map(|row| row.first().and_then(Value::as_str).map(str::to_string)).collect())
    }

    /// Atomic add on a decimal counter, in one write transaction.
    pub async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        check_key(key)?;
        let tx = self.db.begin().await?;
        let ns: Value = self.namespace.clone().into();
        tx.execute(
            "INSERT INTO kv_entries (component, key, value, expires_at) VALUES ($1, $2, $3, NULL) ON CONFLICT (component, key) DO NOTHING",
            vec![ns.clone(), key.into(), Value::Bytes(b"0".to_vec())],
        )
        .await?;
        let lock = if self.db.engine() == Engine::Postgres { " FOR UPDATE" } else { "" };
        let rows = tx
            .query(
                &format!("SELECT value, expires_at FROM kv_entries WHERE component = $1 AND key = $2{lock}"),
                vec![ns.clone(), key.into()],
            )
            .await?;
        let expired = rows.get(0, "expires_at").and_then(Value::as_i64).is_some_and(|at| at <= now_millis());
        let current = match rows.get(0, "value") {
            Some(Value::Bytes(b)) if !expired => std::str::from_utf8(b).ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0),
            _ => 0,
        };
        let next = current.saturating_add(delta);
        tx.execute(
            "UPDATE kv_entries SET value = $1, expires_at = CASE WHEN expires_at IS NOT NULL AND expires_at <= $2 THEN NULL ELSE expires_at END \
             WHERE component = $3 AND key = $4",
            vec![Value::Bytes(next.to_string().into_bytes()), now_millis().into(), ns, key.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }
}

fn to_wit(error: KvError) -> wit::Error {
    match error {
        KvError::TooLarge(m) => wit::Error::TooLarge(m),
        KvError::Unavailable(m) => wit::Error::Unavailable(m),
    }
}

impl<'a> KvView<'a> {
    fn kv(&self) -> Result<&'a KvStore, wit::Error> {
        self.kv.ok_or_else(|| wit::Error::AccessDenied("this component has no kv grant; add grants.kv = true".into()))
    }
}

impl Host for KvView<'_> {
    async fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, wit::Error>> {
        let kv = match self.kv() {
            Ok(kv) => kv,
            Err(e) => return Ok(Err(e)),
        };
        Ok(kv.get(&key).await.map_err(to_wit))
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl_ms: Option<u64>) -> wasmtime::Result<Result<(), wit::Error>> {
        let kv = match self.kv() {
            Ok(kv) => kv,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(why) = self.transactions.write_would_wait() {
            return Ok(Err(wit::Error::Unavailable(why)));
        }
        Ok(kv.set(&key, value, ttl_ms).await.map_err(to_wit))
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<Result<bool, wit::Error>> {
        let kv = match self.kv() {
            Ok(kv) => kv,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(why) = self.transactions.write_would_wait() {
            return Ok(Err(wit::Error::Unavailable(why)));
        }
        Ok(kv.delete(&key).await.map_err(to_wit))
    }

    async fn exists(&mut self, key: String) -> wasmtime::Result<Result<bool, wit::Error>> {
        let kv = match self.kv() {
            Ok(kv) => kv,
            Err(e) => return Ok(Err(e)),
        };
        Ok(kv.get(&key).await.map(|v| v.is_some()).map_err(to_wit))
    }

    async fn list_keys(&mut self, prefix: String, limit: u32) -> wasmtime::Result<Result<Vec<String>, wit::Error>> {
        let kv = match self.kv() {
            Ok(kv) => kv,
            Err(e) => return Ok(Err(e)),
        };
        Ok(kv.list_keys(&prefix, limit).await.map_err(to_wit))
    }

    async fn increment(&mut self, key: String, delta: i64) -> wasmtime::Result<Result<i64, wit::Error>> {
        let kv = match self.kv() {
            Ok(kv) => kv,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(why) = self.transactions.write_would_wait() {
            return Ok(Err(wit::Error::Unavailable(why)));
        }
        Ok(kv.increment(&key, delta).await.map_err(to_wit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn granted_reads_and_writes_its_namespace_and_ungranted_is_refused() {
        let (_dir, database) = crate::capabilities::tests::database().await;
        let kv = KvStore::new(database.clone(), "a");
        let idle = Transactions::default();
        let mut view = KvView { kv: Some(&kv), transactions: &idle };
        view.set("k".into(), b"v".to_vec(), None).await.unwrap().unwrap();
        assert_eq!(view.get("k".into()).await.unwrap().unwrap(), Some(b"v".to_vec()));
        assert_eq!(view.increment("n".into(), 2).await.unwrap().unwrap(), 2);
        let other = KvStore::new(database, "b");
        assert_eq!(other.get("k").await.unwrap(), None, "namespaces are apart");

        let holding = Transactions { open: 1, single_writer: true };
        let mut view = KvView { kv: Some(&kv), transactions: &holding };
        assert!(matches!(view.set("k".into(), vec![], None).await.unwrap(), Err(wit::Error::Unavailable(_))));

        let mut view = KvView { kv: None, transactions: &idle };
        assert!(matches!(view.get("k".into()).await.unwrap(), Err(wit::Error::AccessDenied(m)) if m.contains("grants.kv")));
    }
}
