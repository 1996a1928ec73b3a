//! Durable state: the database layer on both engines, migrations, the visibility rule
//! as SQL, the job queue and the blob store backends.

mod blobs;
mod database;
mod jobs;
mod migrate;
mod visibility;
