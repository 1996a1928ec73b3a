-- Host-owned state: no component SQL can reach these tables (see
-- host/src/capabilities/sql_policy.rs, HOST_ONLY_TABLES).

-- Secrets of local accounts, apart from the accounts table components read.
CREATE TABLE account_credentials (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Each component's private key-value namespace.
CREATE TABLE kv_entries (
    component TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (component, key)
);

-- Durable jobs: leased claims, retries with backoff, dead letters.
CREATE TABLE jobs (
    id BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    -- pending | running | done | dead
    state TEXT NOT NULL,
    idempotency_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at BIGINT NOT NULL,
    lease_until BIGINT,
    leased_by TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (idempotency_key);
CREATE INDEX jobs_due ON jobs (state, run_at);

-- Recurring jobs: each due run enqueues one job (idempotent per run time).
CREATE TABLE recurring_jobs (
    name TEXT PRIMARY KEY NOT NULL,
    schedule TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    next_run_at BIGINT NOT NULL
);

-- What each node has loaded, for `aerie components list` and reload requests.
CREATE TABLE component_status (
    node TEXT NOT NULL,
    component TEXT NOT NULL,
    source TEXT NOT NULL,
    hash TEXT NOT NULL,
    hook TEXT NOT NULL,
    calls BIGINT NOT NULL,
    traps BIGINT NOT NULL,
    p99_us BIGINT NOT NULL,
    last_error TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (node, component)
);
