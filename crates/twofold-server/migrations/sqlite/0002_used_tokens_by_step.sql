-- Replay-protection claims keyed by time step first, in the key's own b-tree (WITHOUT ROWID):
-- new claims land together at the right edge of one b-tree, and pruning the expired ones is a
-- range delete on the key's prefix.
CREATE TABLE used_tokens_new (
    step INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    used_at INTEGER NOT NULL,
    PRIMARY KEY (step, user_id, kind)
) WITHOUT ROWID;
INSERT INTO used_tokens_new (step, user_id, kind, used_at)
    SELECT step, user_id, kind, used_at FROM used_tokens;
DROP TABLE used_tokens;
ALTER TABLE used_tokens_new RENAME TO used_tokens;
CREATE INDEX qr_images_expiry ON qr_images(expires_at);
