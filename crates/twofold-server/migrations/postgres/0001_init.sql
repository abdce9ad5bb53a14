-- Twofold server schema, PostgreSQL flavour (keep in step with migrations/sqlite).
CREATE TABLE apps (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    api_key_hash TEXT NOT NULL UNIQUE,
    token_length BIGINT NOT NULL DEFAULT 7,
    sms_enabled BIGINT NOT NULL DEFAULT 1,
    calls_enabled BIGINT NOT NULL DEFAULT 1,
    email_enabled BIGINT NOT NULL DEFAULT 1,
    onetouch_enabled BIGINT NOT NULL DEFAULT 1,
    callback_url TEXT,
    callback_method TEXT NOT NULL DEFAULT 'POST',
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    app_id BIGINT NOT NULL REFERENCES apps(id),
    email TEXT NOT NULL,
    country_code BIGINT NOT NULL,
    cellphone TEXT NOT NULL,
    app_seed BYTEA NOT NULL,
    authenticator_seed BYTEA,
    registered BIGINT NOT NULL DEFAULT 0,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    deleted BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_phone ON users(app_id, country_code, cellphone) WHERE deleted = 0;

CREATE TABLE devices (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    device_type TEXT NOT NULL,
    os_type TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE used_tokens (
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    step BIGINT NOT NULL,
    used_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, step)
);

CREATE TABLE sent_codes (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sent_codes_user ON sent_codes(user_id, expires_at);

CREATE TABLE phone_verifications (
    uuid TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    e164 TEXT NOT NULL,
    via TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL
);
CREATE INDEX phone_verifications_phone ON phone_verifications(app_id, e164, created_at);

CREATE TABLE approval_requests (
    uuid TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    message TEXT NOT NULL,
    details TEXT NOT NULL,
    hidden_details TEXT NOT NULL,
    logos TEXT NOT NULL,
    seconds_to_expire BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    processed_at BIGINT
);
CREATE INDEX approval_requests_user ON approval_requests(user_id, status);

CREATE TABLE activities (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    ip TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE usage (
    app_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    api_calls BIGINT NOT NULL DEFAULT 0,
    auths BIGINT NOT NULL DEFAULT 0,
    calls BIGINT NOT NULL DEFAULT 0,
    sms BIGINT NOT NULL DEFAULT 0,
    users BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, month)
);

CREATE TABLE qr_images (
    token TEXT PRIMARY KEY,
    png BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
