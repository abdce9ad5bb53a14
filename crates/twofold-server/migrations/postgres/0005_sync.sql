-- Sync spaces (docs/sync-protocol.md): a person's devices and their records, ciphertext only.
-- A space's `last_sequence` is its counter: every write takes the next numbers while holding
-- the space's row, so records commit in sequence order. `generation` is the space key's.
CREATE TABLE sync_spaces (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    generation BIGINT NOT NULL,
    last_sequence BIGINT NOT NULL DEFAULT 0,
    next_node BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE sync_devices (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    space_id BIGINT NOT NULL,
    node BIGINT NOT NULL,
    public_key BYTEA NOT NULL,
    box_key BYTEA NOT NULL,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT,
    removed_at BIGINT
);
CREATE INDEX sync_devices_space ON sync_devices(space_id);

CREATE TABLE sync_records (
    space_id BIGINT NOT NULL,
    record_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    sequence BIGINT NOT NULL,
    generation BIGINT NOT NULL,
    ciphertext BYTEA NOT NULL,
    deleted BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, record_id)
);
CREATE INDEX sync_records_sequence ON sync_records(space_id, sequence);

-- The space key sealed to each device (after a rotation), per generation.
CREATE TABLE sync_keys (
    device_id BIGINT NOT NULL,
    generation BIGINT NOT NULL,
    sealed BYTEA NOT NULL,
    PRIMARY KEY (device_id, generation)
);

-- One-time links a device made to add another (the space key sealed under a pairing secret
-- the server never sees), and the operator's one-time invitations to create a space.
CREATE TABLE sync_links (
    id TEXT PRIMARY KEY,
    space_id BIGINT NOT NULL,
    secret_hash TEXT NOT NULL,
    sealed_key BYTEA NOT NULL,
    generation BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE sync_invites (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE sync_nonces (
    device_id BIGINT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX sync_nonces_expiry ON sync_nonces(expires_at);
