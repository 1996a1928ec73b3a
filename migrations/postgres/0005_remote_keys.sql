-- Public keys of remote signers, fetched when an inbox POST or a signed fetch names a
-- key this instance has not seen (relays, instance actors, accounts not yet stored).
-- Host-only: components never read or write it.
CREATE TABLE remote_keys (
    key_id TEXT PRIMARY KEY NOT NULL,
    owner_uri TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    fetched_at BIGINT NOT NULL
);
CREATE INDEX remote_keys_owner ON remote_keys (owner_uri);

-- The instance actor's private key, shared by every node of the instance (they must
-- all sign as the same actor). Host-only, like account_keys.
CREATE TABLE instance_keys (
    name TEXT PRIMARY KEY NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
