//! Counters: the time-bucketed event counts behind send throttles and daily allowances (changed
//! in the statement that tests them), and the per-month usage counters (buffered in memory,
//! written every few seconds).

use super::*;

/// A month of usage counters.
#[derive(Clone, Debug)]
pub struct UsageRow {
    pub month: String,
    pub api_calls: i64,
    pub auths: i64,
    pub calls: i64,
    pub sms: i64,
    pub users: i64,
}

/// A usage counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counter {
    ApiCalls,
    Auths,
    Calls,
    Sms,
    Users,
}

/// Usage events not yet written: (app, year × 12 + month − 1, counter) → count.
pub(super) type UsageCounts = HashMap<(i64, i32, Counter), i64>;

impl Db {
    /// Counts one event against a limit: `limit` events per `window` seconds per `key`, in fixed
    /// windows. The count changes in the same statement that reads it, so concurrent callers on
    /// any number of servers never get past the limit together. True when this event is within
    /// the limit (it is counted either way).
    pub async fn count_event(&self, key: &str, now: i64, window: i64, limit: i64) -> Result<bool> {
        let window = window.max(1);
        let bucket = now.div_euclid(window);
        let q = sqlx::query(
            "INSERT INTO rate_counters (key, bucket, count, expires_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (key, bucket) DO UPDATE SET count = rate_counters.count + 1 RETURNING count",
        )
        .bind(key)
        .bind(bucket)
        .bind((bucket + 1).saturating_mul(window));
        let n: i64 = self
            .write_returning(q)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?
            .try_get("count")?;
        Ok(n <= limit)
    }

    /// Takes up to `want` tokens from the shared bucket `scope`/`key` (PostgreSQL: one per
    /// `spacing` seconds on the database's clock, at most `burst` held); how many it took, 0 when
    /// the limit is reached. Servers sharing the database share the bucket.
    pub async fn take_tokens(
        &self,
        scope: &str,
        key: &str,
        want: u32,
        spacing: f64,
        burst: u32,
    ) -> Result<u32> {
        let row = sqlx::query("SELECT twofold_take_tokens($1, $2, $3, $4, $5) AS taken")
            .bind(scope)
            .bind(key)
            .bind(i32::try_from(want).unwrap_or(i32::MAX))
            .bind(spacing)
            .bind(i32::try_from(burst).unwrap_or(i32::MAX))
            .fetch_one(&self.writer)
            .await?;
        let taken: i32 = row.try_get("taken")?;
        Ok(u32::try_from(taken).unwrap_or(0))
    }

    /// Takes back one event counted by [`Db::count_event`] in the current window (an attempt
    /// that turned out not to count, such as a right code).
    pub async fn uncount_event(&self, key: &str, now: i64, window: i64) -> Result<()> {
        let bucket = now.div_euclid(window.max(1));
        sqlx::query(
            "UPDATE rate_counters SET count = count - 1 WHERE key = $1 AND bucket = $2 AND count > 0",
        )
        .bind(key)
        .bind(bucket)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Counts one event in memory; [`Db::flush_usage`] writes the totals.
    pub fn bump(&self, app_id: i64, now: i64, counter: Counter) {
        let t = time::OffsetDateTime::from_unix_timestamp(now)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let month = t.year() * 12 + i32::from(u8::from(t.month())) - 1;
        let mut usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        *usage.entry((app_id, month, counter)).or_default() += 1;
    }

    /// Writes the counted events to the database (every few seconds, and before reading them).
    pub async fn flush_usage(&self) -> Result<()> {
        let pending: Vec<((i64, i32, Counter), i64)> = {
            let mut usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
            usage.drain().collect()
        };
        for ((app_id, month, counter), n) in pending {
            let month = format!("{:04}-{:02}", month / 12, month % 12 + 1);
            let sql = match counter {
                Counter::ApiCalls => {
                    "INSERT INTO usage (app_id, month, api_calls) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET api_calls = usage.api_calls + excluded.api_calls"
                }
                Counter::Auths => {
                    "INSERT INTO usage (app_id, month, auths) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET auths = usage.auths + excluded.auths"
                }
                Counter::Calls => {
                    "INSERT INTO usage (app_id, month, calls) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET calls = usage.calls + excluded.calls"
                }
                Counter::Sms => {
                    "INSERT INTO usage (app_id, month, sms) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET sms = usage.sms + excluded.sms"
                }
                Counter::Users => {
                    "INSERT INTO usage (app_id, month, users) VALUES ($1, $2, $3) ON CONFLICT (app_id, month) DO UPDATE SET users = usage.users + excluded.users"
                }
            };
            sqlx::query(sql)
                .bind(app_id)
                .bind(month)
                .bind(n)
                .execute(&self.writer)
                .await?;
        }
        Ok(())
    }

    pub async fn usage(&self, app_id: i64) -> Result<Vec<UsageRow>> {
        self.flush_usage().await?;
        sqlx::query("SELECT * FROM usage WHERE app_id = $1 ORDER BY month")
            .bind(app_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(UsageRow {
                    month: r.try_get("month")?,
                    api_calls: r.try_get("api_calls")?,
                    auths: r.try_get("auths")?,
                    calls: r.try_get("calls")?,
                    sms: r.try_get("sms")?,
                    users: r.try_get("users")?,
                })
            })
            .collect()
    }
}
