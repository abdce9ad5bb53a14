-- Push approval (docs/device-protocol.md): enrolled devices with their public keys, one-time
-- enrollments, seen request nonces, the answer on each approval request, the event sequence
-- devices resume from, and the durable queue of OneTouch callbacks. API keys are also kept
-- sealed with the server key, because a callback's HMAC needs the key itself.
ALTER TABLE apps ADD COLUMN api_key_sealed BYTEA;

ALTER TABLE devices ADD COLUMN uuid TEXT;
ALTER TABLE devices ADD COLUMN public_key BYTEA;
ALTER TABLE devices ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN last_seen_at BIGINT;
CREATE UNIQUE INDEX devices_uuid ON devices(uuid);

CREATE TABLE device_enrollments (
    id TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE device_nonces (
    device_id BIGINT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_nonces_expiry ON device_nonces(expires_at);

ALTER TABLE approval_requests ADD COLUMN number BIGINT;
ALTER TABLE approval_requests ADD COLUMN reason TEXT;
ALTER TABLE approval_requests ADD COLUMN device_uuid TEXT;
ALTER TABLE approval_requests ADD COLUMN device_signature TEXT;
ALTER TABLE approval_requests ADD COLUMN signed_at BIGINT;
ALTER TABLE approval_requests ADD COLUMN requester TEXT;
CREATE INDEX approval_requests_pending ON approval_requests(status, created_at);

CREATE TABLE approval_events (
    seq BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    uuid TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX approval_events_user ON approval_events(user_id, seq);

CREATE TABLE callbacks (
    id BIGSERIAL PRIMARY KEY,
    app_id BIGINT NOT NULL,
    approval_uuid TEXT NOT NULL,
    status TEXT NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX callbacks_due ON callbacks(status, next_attempt_at);
