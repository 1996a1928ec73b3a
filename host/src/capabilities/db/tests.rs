use std::time::Duration;

use super::*;

fn view<'a>(ctx: Option<&'a DbCtx>, table: &'a mut ResourceTable, transactions: &'a mut Transactions, id: &'a Arc<str>) -> DbView<'a> {
    DbView { ctx, table, transactions, component_id: id, deadline: Instant::now() + Duration::from_secs(30) }
}

fn ctx(database: &Database, grant: DbGrant) -> DbCtx {
    DbCtx { database: database.clone(), policy: Arc::new(SqlPolicy::new(Engine::Sqlite, grant, None)) }
}

#[tokio::test]
async fn ungranted_is_refused() {
    let (mut table, mut transactions, id) = (ResourceTable::new(), Transactions::default(), Arc::from("probe"));
    let mut db = view(None, &mut table, &mut transactions, &id);
    assert!(matches!(Host::query(&mut db, "SELECT id FROM statuses".into(), vec![]).await.unwrap(), Err(wit::Error::AccessDenied(_))));
    assert!(matches!(db.begin().await.unwrap(), Err(wit::Error::AccessDenied(_))));
}

#[tokio::test]
async fn read_only_reads_and_cannot_write_or_begin() {
    let (_dir, database) = super::super::tests::database().await;
    let read_only = ctx(&database, DbGrant::ReadOnly);
    let (mut table, mut transactions, id) = (ResourceTable::new(), Transactions::default(), Arc::from("probe"));
    let mut db = view(Some(&read_only), &mut table, &mut transactions, &id);
    assert!(Host::query(&mut db, "SELECT id FROM statuses".into(), vec![]).await.unwrap().is_ok());
    let write = Host::execute(&mut db, "DELETE FROM statuses WHERE id = 1".into(), vec![]).await.unwrap();
    assert!(matches!(write, Err(wit::Error::AccessDenied(m)) if m.contains("read-only")));
    assert!(matches!(db.begin().await.unwrap(), Err(wit::Error::AccessDenied(m)) if m.contains("read-write")));
    assert!(matches!(Host::execute(&mut db, "SELECT * FROM kv_entries".into(), vec![]).await.unwrap(), Err(wit::Error::AccessDenied(_))));
}

#[tokio::test]
async fn read_write_writes_and_counts_its_open_transactions() {
    let (_dir, database) = super::super::tests::database().await;
    let read_write = ctx(&database, DbGrant::ReadWrite);
    let (mut table, mut transactions, id) = (ResourceTable::new(), Transactions { open: 0, single_writer: true }, Arc::from("probe"));
    let mut db = view(Some(&read_write), &mut table, &mut transactions, &id);
    assert_eq!(Host::execute(&mut db, "DELETE FROM statuses WHERE id = 1".into(), vec![]).await.unwrap().unwrap(), 0);
    let tx = db.begin().await.unwrap().unwrap();
    assert_eq!(db.transactions.open, 1);
    // Another write of the same call would wait for the open transaction: refused with the fix.
    let waiting = Host::execute(&mut db, "DELETE FROM statuses WHERE id = 1".into(), vec![]).await.unwrap();
    assert!(matches!(waiting, Err(wit::Error::Unavailable(m)) if m.contains("single writer")));
    db.commit(tx).await.unwrap().unwrap();
    assert_eq!(db.transactions.open, 0);
}

#[test]
fn grants_read_as_the_manifest_writes_them() {
    for (text, grant) in [("none", DbGrant::None), ("read-only", DbGrant::ReadOnly), ("read-write", DbGrant::ReadWrite)] {
        let grants: Grants = toml::from_str(&format!("db = {text:?}")).unwrap();
        assert_eq!((grants.db, grant.as_str()), (grant, text));
        assert_eq!(Db.granted(&grants), grant != DbGrant::None);
    }
}

#[test]
fn a_component_gets_a_sql_policy_only_with_a_db_grant() {
    let mut entry = ComponentEntry::default();
    assert!(sql_policy(&entry, Engine::Sqlite).is_none());
    entry.grants.db = DbGrant::ReadOnly;
    entry.grants.tables = Some(vec!["statuses".into()]);
    let policy = sql_policy(&entry, Engine::Sqlite).unwrap();
    assert_eq!(policy.grant(), DbGrant::ReadOnly);
    assert!(policy.allowed_tables().is_some());
}
