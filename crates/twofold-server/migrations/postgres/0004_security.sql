-- Security review (issue 11), PostgreSQL flavour (keep in step with migrations/sqlite).
--
-- Each enrolled device gets a TOTP seed of its own, which its revocation erases. Devices enrolled
-- before were handed the user's app seed: they keep that seed as their own, marked legacy (the
-- seed is sealed for the purpose "app-seed"); revoking one legacy device erases the seeds of all
-- the user's legacy devices, since they share it.
ALTER TABLE devices ADD COLUMN totp_seed BYTEA;
ALTER TABLE devices ADD COLUMN legacy_seed BIGINT NOT NULL DEFAULT 0;
UPDATE devices SET totp_seed = (SELECT app_seed FROM users WHERE users.id = devices.user_id),
    legacy_seed = 1
    WHERE uuid IS NOT NULL AND revoked = 0;
CREATE INDEX devices_user ON devices(user_id, revoked);

-- Approval requests live at most 30 days.
UPDATE approval_requests SET seconds_to_expire = 2592000 WHERE seconds_to_expire > 2592000;

-- Counters behind limits that must hold across requests, restarts and servers: codes sent per
-- user and per phone, wrong phone-verification codes per phone. One row per key and time bucket.
CREATE TABLE rate_counters (
    key TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    count BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key, bucket)
);
CREATE INDEX rate_counters_expiry ON rate_counters(expires_at);

-- Authy's quirk (verify without force accepts any token for a user who never verified) is an
-- opt-in per application.
ALTER TABLE apps ADD COLUMN authy_unverified_quirk BIGINT NOT NULL DEFAULT 0;

-- What the server keeps about itself: a value sealed with the server key, so that a server started
-- with another key (a second key file made by mistake) refuses to run instead of failing later.
CREATE TABLE server_meta (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
