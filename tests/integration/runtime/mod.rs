//! The component runtime: grants and the SQL sandbox, resource limits, warm instances
//! and hot reload.

mod grants;
mod hot_reload;
mod limits;
mod sandbox_postgres;
mod sandbox_sql;
mod warm_instances;
