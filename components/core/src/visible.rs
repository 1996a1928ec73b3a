//! Reading statuses under the one visibility rule ([`visible_sql`](crate::contract::visibility::visible_sql)): the query every
//! component that shows statuses (client API, HTML pages, ActivityPub documents)
//! goes through, so none of them can forget the rule.

use crate::rows::StatusRow;
use crate::store::statuses;
use aerie_sdk::db::{self, Value};
use aerie_sdk::http::Response;

/// The viewer as a SQL parameter (`NULL` for anonymous).
pub fn viewer_value(viewer: Option<i64>) -> Value {
    viewer.map(Value::Int64).unwrap_or(Value::Null)
}

/// Status rows matching `condition` (on alias `s`, after the visibility rule, whose
/// viewer is `$1`; `params` are `$2...`), with `tail` (order, limit) appended and
/// joins in `from`.
pub fn status_rows(viewer: Option<i64>, from: &str, condition: &str, tail: &str, params: Vec<Value>) -> Result<Vec<StatusRow>, Response> {
    Ok(statuses::visible_rows(&db::Autocommit, viewer, from, condition, tail, params)?)
}
