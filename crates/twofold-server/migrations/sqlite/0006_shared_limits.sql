-- Nothing on SQLite: one server owns an SQLite database and counts its rate limits in process.
-- PostgreSQL's 0006 adds the buckets that servers sharing a database count them in.
SELECT 1;
