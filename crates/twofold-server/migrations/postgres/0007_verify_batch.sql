-- The PostgreSQL path of `verify`: a batch of attempts judged in one call and one commit (group
-- commit, as the SQLite hot path does). Each item: i (its index), u (user), k (kind of code),
-- s (the step its code matched, or null), n (now), h (SHA-256 of a code-shaped token, or null),
-- m (failures before a lock), l (until when a lock lasts), a (Authy's unregistered quirk).
-- Items are taken in user order (concurrent batches lock users in the same order: no deadlock);
-- each holds its user's row while it reads the lock, claims the step (refused when it or a later
-- step was used), else uses a live sent code, then records a success or counts a failure. The
-- same decision as `store::verify::decide` in Rust, which the SQLite paths use; both answer the
-- same tests.
CREATE FUNCTION twofold_verify_batch(p_items TEXT)
RETURNS TABLE (idx INTEGER, outcome TEXT, at BIGINT) LANGUAGE plpgsql AS $$
DECLARE
    it RECORD;
    usr RECORD;
    valid BOOLEAN;
    cnt INTEGER;
BEGIN
    FOR it IN SELECT * FROM json_to_recordset(p_items::json)
        AS x(i INTEGER, u BIGINT, k TEXT, s BIGINT, n BIGINT, h TEXT, m BIGINT, l BIGINT, a BOOLEAN)
        ORDER BY x.u, x.i
    LOOP
        idx := it.i;
        SELECT registered, failed_attempts, locked_until, created_at INTO usr
            FROM users WHERE id = it.u AND deleted = 0 FOR UPDATE;
        IF NOT FOUND THEN
            outcome := 'no_user'; at := 0; RETURN NEXT; CONTINUE;
        END IF;
        IF usr.locked_until > it.n THEN
            outcome := 'locked'; at := usr.locked_until; RETURN NEXT; CONTINUE;
        END IF;
        valid := FALSE;
        IF it.s IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM used_tokens
            WHERE step IN (it.s, it.s + 1, it.s + 2) AND user_id = it.u AND kind = it.k
        ) THEN
            INSERT INTO used_tokens (step, user_id, kind, used_at) VALUES (it.s, it.u, it.k, it.n)
                ON CONFLICT DO NOTHING;
            GET DIAGNOSTICS cnt = ROW_COUNT;
            valid := cnt = 1;
        END IF;
        IF NOT valid AND it.h IS NOT NULL THEN
            UPDATE sent_codes SET used = 1
                WHERE user_id = it.u AND code_hash = it.h AND used = 0 AND expires_at > it.n;
            GET DIAGNOSTICS cnt = ROW_COUNT;
            valid := cnt > 0;
        END IF;
        at := usr.created_at;
        IF valid THEN
            IF usr.registered = 0 OR usr.failed_attempts <> 0 OR usr.locked_until <> 0 THEN
                UPDATE users SET registered = 1, failed_attempts = 0, locked_until = 0
                    WHERE id = it.u;
            END IF;
            outcome := 'valid';
        ELSIF it.a AND usr.registered = 0 THEN
            outcome := 'valid_unverified';
        ELSE
            UPDATE users SET failed_attempts = failed_attempts + 1,
                locked_until = CASE WHEN failed_attempts + 1 >= it.m THEN it.l ELSE locked_until END
                WHERE id = it.u;
            outcome := 'invalid';
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
