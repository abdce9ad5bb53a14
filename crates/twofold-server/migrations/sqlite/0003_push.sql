-- Push approval (docs/device-protocol.md): enrolled devices with their public keys, one-time
-- enrollments, seen request nonces, the answer on each approval request, the event sequence
-- devices resume from, and the durable queue of OneTouch callbacks. API keys are also kept
-- sealed with the server key, because a callback's HMAC needs the key itself.
ALTER TABLE apps ADD COLUMN api_key_sealed BLOB;

ALTER TABLE devices ADD COLUMN uuid TEXT;
ALTER TABLE devices ADD COLUMN public_key BLOB;
ALTER TABLE devices ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN last_seen_at INTEGER;
CREATE UNIQUE INDEX devices_uuid ON devices(uuid);

CREATE TABLE device_enrollments (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE device_nonces (
    device_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_nonces_expiry ON device_nonces(expires_at);

ALTER TABLE approval_requests ADD COLUMN number INTEGER;
ALTER TABLE approval_requests ADD COLUMN reason TEXT;
ALTER TABLE approval_requests ADD COLUMN device_uuid TEXT;
ALTER TABLE approval_requests ADD COLUMN device_signature TEXT;
ALTER TABLE approval_requests ADD COLUMN signed_at INTEGER;
ALTER TABLE approval_requests ADD COLUMN requester TEXT;
CREATE INDEX approval_requests_pending ON approval_requests(status, created_at);

CREATE TABLE approval_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    uuid TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX approval_events_user ON approval_events(user_id, seq);

CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id INTEGER NOT NULL,
    approval_uuid TEXT NOT NULL,
    status TEXT NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX callbacks_due ON callbacks(status, next_attempt_at);
