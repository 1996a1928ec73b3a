-- Node tags for time-ordered ids: each running node leases one of 64 tags, so two
-- nodes sharing the database never make the same id. A tag whose heartbeat is old
-- (its node died) may be taken over.
CREATE TABLE id_nodes (
    tag INTEGER PRIMARY KEY NOT NULL,
    node TEXT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
