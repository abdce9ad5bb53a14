-- Replay-protection claims keyed by time step first: new claims land together at the right edge
-- of the index, and pruning the expired ones is a range delete on the key's prefix.
ALTER TABLE used_tokens DROP CONSTRAINT used_tokens_pkey;
ALTER TABLE used_tokens ADD PRIMARY KEY (step, user_id, kind);
CREATE INDEX qr_images_expiry ON qr_images(expires_at);
