-- Nothing on SQLite: its `verify` runs on the hot-path thread (group commit in Rust).
-- PostgreSQL's 0007 adds the batch function its path calls.
SELECT 1;
