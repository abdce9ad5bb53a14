-- Sync spaces (docs/sync-protocol.md): a person's devices and their records, ciphertext only.
-- A space's `last_sequence` is its counter: every write takes the next numbers while holding
-- the space's row, so records commit in sequence order. `generation` is the space key's.
CREATE TABLE sync_spaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    generation INTEGER NOT NULL,
    last_sequence INTEGER NOT NULL DEFAULT 0,
    next_node INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE sync_devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    space_id INTEGER NOT NULL,
    node INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    box_key BLOB NOT NULL,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    removed_at INTEGER
);
CREATE INDEX sync_devices_space ON sync_devices(space_id);

CREATE TABLE sync_records (
    space_id INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    ciphertext BLOB NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, record_id)
);
CREATE INDEX sync_records_sequence ON sync_records(space_id, sequence);

-- The space key sealed to each device (after a rotation), per generation.
CREATE TABLE sync_keys (
    device_id INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (device_id, generation)
);

-- One-time links a device made to add another (the space key sealed under a pairing secret
-- the server never sees), and the operator's one-time invitations to create a space.
CREATE TABLE sync_links (
    id TEXT PRIMARY KEY,
    space_id INTEGER NOT NULL,
    secret_hash TEXT NOT NULL,
    sealed_key BLOB NOT NULL,
    generation INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE sync_invites (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE sync_nonces (
    device_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX sync_nonces_expiry ON sync_nonces(expires_at);
