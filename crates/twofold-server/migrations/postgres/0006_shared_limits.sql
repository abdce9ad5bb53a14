-- Rate limits shared by every server on this database (GCRA): per API key, per client
-- address, per user's approval requests, per address's sync spaces. `tat` is the theoretical
-- arrival time in seconds on the database's clock (so replicas with skewed clocks agree).
CREATE TABLE rate_buckets (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    tat DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Takes up to `want` tokens from a bucket refilled one per `spacing` seconds and holding at most
-- `burst`; returns how many it took (0: the limit is reached). One statement per call, the row
-- locked while it changes, so concurrent callers on any number of servers never take more than
-- the bucket holds.
CREATE FUNCTION twofold_take_tokens(p_scope TEXT, p_key TEXT, p_want INTEGER,
                                    p_spacing DOUBLE PRECISION, p_burst INTEGER)
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    now_s DOUBLE PRECISION := extract(epoch FROM clock_timestamp());
    start_s DOUBLE PRECISION;
    room INTEGER;
    taken INTEGER;
BEGIN
    INSERT INTO rate_buckets (scope, key, tat) VALUES (p_scope, p_key, now_s)
        ON CONFLICT (scope, key) DO NOTHING;
    SELECT GREATEST(tat, now_s) INTO start_s FROM rate_buckets
        WHERE scope = p_scope AND key = p_key FOR UPDATE;
    room := floor((now_s + p_spacing * p_burst - start_s) / p_spacing + 1e-9);
    taken := LEAST(p_want, GREATEST(room, 0));
    IF taken > 0 THEN
        UPDATE rate_buckets SET tat = start_s + taken * p_spacing
            WHERE scope = p_scope AND key = p_key;
    END IF;
    RETURN taken;
END
$$;

-- Idle buckets (full again) are deleted by the housekeeping.
CREATE INDEX rate_buckets_by_tat ON rate_buckets (tat);
