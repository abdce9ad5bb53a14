-- Twofold server schema, SQLite flavour (keep in step with migrations/postgres).
CREATE TABLE apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    api_key_hash TEXT NOT NULL UNIQUE,
    token_length INTEGER NOT NULL DEFAULT 7,
    sms_enabled INTEGER NOT NULL DEFAULT 1,
    calls_enabled INTEGER NOT NULL DEFAULT 1,
    email_enabled INTEGER NOT NULL DEFAULT 1,
    onetouch_enabled INTEGER NOT NULL DEFAULT 1,
    callback_url TEXT,
    callback_method TEXT NOT NULL DEFAULT 'POST',
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id INTEGER NOT NULL REFERENCES apps(id),
    email TEXT NOT NULL,
    country_code INTEGER NOT NULL,
    cellphone TEXT NOT NULL,
    app_seed BLOB NOT NULL,
    authenticator_seed BLOB,
    registered INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_phone ON users(app_id, country_code, cellphone) WHERE deleted = 0;

CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    device_type TEXT NOT NULL,
    os_type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE used_tokens (
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    step INTEGER NOT NULL,
    used_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, step)
);

CREATE TABLE sent_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sent_codes_user ON sent_codes(user_id, expires_at);

CREATE TABLE phone_verifications (
    uuid TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    e164 TEXT NOT NULL,
    via TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL
);
CREATE INDEX phone_verifications_phone ON phone_verifications(app_id, e164, created_at);

CREATE TABLE approval_requests (
    uuid TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    message TEXT NOT NULL,
    details TEXT NOT NULL,
    hidden_details TEXT NOT NULL,
    logos TEXT NOT NULL,
    seconds_to_expire INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    processed_at INTEGER
);
CREATE INDEX approval_requests_user ON approval_requests(user_id, status);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    ip TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE usage (
    app_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    api_calls INTEGER NOT NULL DEFAULT 0,
    auths INTEGER NOT NULL DEFAULT 0,
    calls INTEGER NOT NULL DEFAULT 0,
    sms INTEGER NOT NULL DEFAULT 0,
    users INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, month)
);

CREATE TABLE qr_images (
    token TEXT PRIMARY KEY,
    png BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
