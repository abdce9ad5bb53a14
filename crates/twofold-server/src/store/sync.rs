//! Sync storage (docs/sync-protocol.md): spaces, their devices and used nonces, records as
//! ciphertext with a version each and the space's sequence, one-time links and invitations,
//! and the space key sealed to each device after a rotation. Every write of records takes its
//! sequence numbers from the space's row in the same transaction, so they commit in order, and
//! writes only a record still at the version it started from (compare-and-set).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Result};

/// Checks a presented secret against the stored hash.
pub type SecretCheck<'a> = &'a (dyn Fn(&str) -> bool + Sync);

/// A one-time link to record: the space key sealed under its pairing secret (opaque here).
#[derive(Clone, Debug)]
pub struct NewSyncLink {
    pub id: String,
    pub space_id: i64,
    pub secret_hash: String,
    pub sealed_key: Vec<u8>,
    pub generation: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A sync device that has not been removed, with its space.
#[derive(Clone, Debug)]
pub struct SyncDeviceRow {
    pub id: i64,
    pub uuid: String,
    pub space_id: i64,
    pub space_uuid: String,
    /// The space key's generation now.
    pub generation: i64,
    pub node: i64,
    pub public_key: Vec<u8>,
    pub box_key: Vec<u8>,
    pub name: String,
    pub platform: String,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
}

/// A device to record.
#[derive(Clone, Debug)]
pub struct NewSyncDeviceRow {
    pub uuid: String,
    pub public_key: Vec<u8>,
    pub box_key: Vec<u8>,
    pub name: String,
    pub platform: String,
}

/// A record as stored.
#[derive(Clone, Debug)]
pub struct SyncRecordRow {
    pub record_id: String,
    pub version: i64,
    pub sequence: i64,
    pub generation: i64,
    pub ciphertext: Vec<u8>,
    pub deleted: bool,
}

/// A record to write.
#[derive(Clone, Debug)]
pub struct RecordWrite {
    pub record_id: String,
    pub base_version: i64,
    pub ciphertext: Vec<u8>,
    pub deleted: bool,
}

/// Why an admission (an invitation, a link) was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdmissionRefused {
    /// No such id, or a wrong secret.
    Unknown,
    /// Past its lifetime.
    Expired,
    /// Redeemed before.
    Used,
    /// A link made before the space key changed (its sealed key is the old one).
    Stale,
}

/// Why a write of records was refused; nothing was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteRefused {
    /// Records that are no longer at the version the write started from: (id, version now).
    Conflicts(Vec<(String, i64)>),
    /// The records are sealed under another key generation than the space's (`now`).
    Generation { now: i64 },
    /// A rotation that does not cover every record or every remaining device.
    Incomplete(String),
    /// The device to remove is not in the space.
    NoSuchDevice,
}

fn device_row(r: &AnyRow) -> Result<SyncDeviceRow> {
    Ok(SyncDeviceRow {
        id: r.try_get("id")?,
        uuid: r.try_get("uuid")?,
        space_id: r.try_get("space_id")?,
        space_uuid: r.try_get("space_uuid")?,
        generation: r.try_get("generation")?,
        node: r.try_get("node")?,
        public_key: r.try_get("public_key")?,
        box_key: r.try_get("box_key")?,
        name: r.try_get("name")?,
        platform: r.try_get("platform")?,
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
    })
}

fn record_row(r: &AnyRow) -> Result<SyncRecordRow> {
    Ok(SyncRecordRow {
        record_id: r.try_get("record_id")?,
        version: r.try_get("version")?,
        sequence: r.try_get("sequence")?,
        generation: r.try_get("generation")?,
        ciphertext: r.try_get("ciphertext")?,
        deleted: r.try_get::<i64, _>("deleted")? != 0,
    })
}

/// Why a one-time invitation or link (its row: `secret_hash`, `used_at`, `expires_at`) does
/// not admit now, if it does not.
fn admission_refused(
    row: &AnyRow,
    secret_ok: SecretCheck<'_>,
    now: i64,
) -> Result<Option<AdmissionRefused>> {
    Ok(if !secret_ok(&row.try_get::<String, _>("secret_hash")?) {
        Some(AdmissionRefused::Unknown)
    } else if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        Some(AdmissionRefused::Used)
    } else if row.try_get::<i64, _>("expires_at")? <= now {
        Some(AdmissionRefused::Expired)
    } else {
        None
    })
}

const DEVICE_COLUMNS: &str = "d.id, d.uuid, d.space_id, s.uuid AS space_uuid, s.generation, d.node, \
     d.public_key, d.box_key, d.name, d.platform, d.created_at, d.last_seen_at";

/// Inserts a device into a space, taking the space's next node number.
async fn insert_device(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    space_id: i64,
    device: &NewSyncDeviceRow,
    now: i64,
) -> Result<()> {
    let node: i64 = sqlx::query(
        "UPDATE sync_spaces SET next_node = next_node + 1 WHERE id = $1 RETURNING next_node - 1 AS node",
    )
    .bind(space_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("node")?;
    sqlx::query(
        "INSERT INTO sync_devices (uuid, space_id, node, public_key, box_key, name, platform, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(device.uuid.clone())
    .bind(space_id)
    .bind(node)
    .bind(device.public_key.clone())
    .bind(device.box_key.clone())
    .bind(device.name.clone())
    .bind(device.platform.clone())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes `n` sequence numbers of a space whose key is at `generation`; the first of them, or
/// the generation now when it is another.
async fn take_sequences(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    space_id: i64,
    generation: i64,
    n: i64,
) -> Result<std::result::Result<i64, i64>> {
    let taken = sqlx::query(
        "UPDATE sync_spaces SET last_sequence = last_sequence + $1 \
         WHERE id = $2 AND generation = $3 RETURNING last_sequence",
    )
    .bind(n)
    .bind(space_id)
    .bind(generation)
    .fetch_optional(&mut **tx)
    .await?;
    match taken {
        Some(row) => Ok(Ok(row.try_get::<i64, _>("last_sequence")? - n + 1)),
        None => {
            let now: i64 = sqlx::query("SELECT generation FROM sync_spaces WHERE id = $1")
                .bind(space_id)
                .fetch_one(&mut **tx)
                .await?
                .try_get("generation")?;
            Ok(Err(now))
        }
    }
}

/// Writes records at sequence numbers from `first` on, each only when still at its base
/// version; the records that were not, with their versions now.
async fn write_records(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    space_id: i64,
    generation: i64,
    records: &[RecordWrite],
    first: i64,
) -> Result<std::result::Result<Vec<(i64, i64)>, Vec<(String, i64)>>> {
    let mut written = Vec::with_capacity(records.len());
    let mut conflicts = Vec::new();
    for (r, sequence) in records.iter().zip(first..) {
        let done = if r.base_version == 0 {
            sqlx::query(
                "INSERT INTO sync_records (space_id, record_id, version, sequence, generation, ciphertext, deleted) \
                 VALUES ($1, $2, 1, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(space_id)
            .bind(r.record_id.clone())
            .bind(sequence)
            .bind(generation)
            .bind(r.ciphertext.clone())
            .bind(i64::from(r.deleted))
            .execute(&mut **tx)
            .await?
        } else {
            sqlx::query(
                "UPDATE sync_records SET version = version + 1, sequence = $1, generation = $2, \
                 ciphertext = $3, deleted = $4 \
                 WHERE space_id = $5 AND record_id = $6 AND version = $7",
            )
            .bind(sequence)
            .bind(generation)
            .bind(r.ciphertext.clone())
            .bind(i64::from(r.deleted))
            .bind(space_id)
            .bind(r.record_id.clone())
            .bind(r.base_version)
            .execute(&mut **tx)
            .await?
        };
        if done.rows_affected() == 1 {
            written.push((r.base_version + 1, sequence));
        } else {
            let now: i64 = sqlx::query(
                "SELECT version FROM sync_records WHERE space_id = $1 AND record_id = $2",
            )
            .bind(space_id)
            .bind(r.record_id.clone())
            .fetch_optional(&mut **tx)
            .await?
            .map(|row| row.try_get("version"))
            .transpose()?
            .unwrap_or(0);
            conflicts.push((r.record_id.clone(), now));
        }
    }
    Ok(if conflicts.is_empty() {
        Ok(written)
    } else {
        Err(conflicts)
    })
}

impl Db {
    /// Records an operator's one-time invitation to create a space.
    pub async fn insert_sync_invite(
        &self,
        id: &str,
        secret_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sync_invites (id, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(secret_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Creates a space with its first device, redeeming an invitation when one is given
    /// (`secret_ok` checks its stored hash); the device as recorded.
    pub async fn create_sync_space(
        &self,
        invite: Option<(&str, SecretCheck<'_>)>,
        space_uuid: &str,
        device: &NewSyncDeviceRow,
        now: i64,
    ) -> Result<std::result::Result<SyncDeviceRow, AdmissionRefused>> {
        let mut tx = self.writer.begin().await?;
        if let Some((id, secret_ok)) = invite {
            let Some(row) = sqlx::query(
                "SELECT secret_hash, expires_at, used_at FROM sync_invites WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            else {
                return Ok(Err(AdmissionRefused::Unknown));
            };
            if let Some(refused) = admission_refused(&row, secret_ok, now)? {
                return Ok(Err(refused));
            }
            let used = sqlx::query(
                "UPDATE sync_invites SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if used.rows_affected() != 1 {
                return Ok(Err(AdmissionRefused::Used));
            }
        }
        let space_id: i64 = sqlx::query(
            "INSERT INTO sync_spaces (uuid, generation, created_at) VALUES ($1, 1, $2) RETURNING id",
        )
        .bind(space_uuid)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        insert_device(&mut tx, space_id, device, now).await?;
        tx.commit().await?;
        self.sync_device(&device.uuid)
            .await?
            .ok_or_else(|| super::StoreError::Corrupt("a new sync device is missing".into()))
            .map(Ok)
    }

    /// A device that has not been removed, with its space.
    pub async fn sync_device(&self, uuid: &str) -> Result<Option<SyncDeviceRow>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM sync_devices d JOIN sync_spaces s ON s.id = d.space_id \
             WHERE d.uuid = $1 AND d.removed_at IS NULL"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| device_row(&r))
            .transpose()
    }

    /// The devices of a space that have not been removed, oldest first.
    pub async fn sync_devices_of(&self, space_id: i64) -> Result<Vec<SyncDeviceRow>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM sync_devices d JOIN sync_spaces s ON s.id = d.space_id \
             WHERE d.space_id = $1 AND d.removed_at IS NULL ORDER BY d.node"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(space_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(device_row)
            .collect()
    }

    /// Claims a request nonce of a sync device (false: seen before) and notes the device seen.
    pub async fn use_sync_nonce(
        &self,
        device_id: i64,
        nonce: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool> {
        self.claim_nonce(
            "INSERT INTO sync_nonces (device_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            "UPDATE sync_devices SET last_seen_at = $1 WHERE id = $2",
            (device_id, nonce, expires_at, now),
        )
        .await
    }

    /// Records written after `after`, oldest first, at most `limit`; with the space's last
    /// sequence number and key generation, read in the same snapshot.
    pub async fn sync_records_after(
        &self,
        space_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<SyncRecordRow>, i64, i64)> {
        let mut tx = self.pool.begin().await?;
        let space = sqlx::query("SELECT last_sequence, generation FROM sync_spaces WHERE id = $1")
            .bind(space_id)
            .fetch_one(&mut *tx)
            .await?;
        let last: i64 = space.try_get("last_sequence")?;
        let generation: i64 = space.try_get("generation")?;
        let rows = sqlx::query(
            "SELECT record_id, version, sequence, generation, ciphertext, deleted FROM sync_records \
             WHERE space_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence LIMIT $4",
        )
        .bind(space_id)
        .bind(after)
        .bind(last)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let records = rows.iter().map(record_row).collect::<Result<_>>()?;
        Ok((records, last, generation))
    }

    /// Writes records, all or none: each only when it is still at its base version, all sealed
    /// under the space's key generation. The (version, sequence) of each.
    pub async fn write_sync_records(
        &self,
        space_id: i64,
        generation: i64,
        records: &[RecordWrite],
    ) -> Result<std::result::Result<Vec<(i64, i64)>, WriteRefused>> {
        let mut tx = self.writer.begin().await?;
        let first =
            match take_sequences(&mut tx, space_id, generation, records.len() as i64).await? {
                Ok(first) => first,
                Err(now) => return Ok(Err(WriteRefused::Generation { now })),
            };
        match write_records(&mut tx, space_id, generation, records, first).await? {
            Ok(written) => {
                tx.commit().await?;
                Ok(Ok(written))
            }
            Err(conflicts) => Ok(Err(WriteRefused::Conflicts(conflicts))),
        }
    }

    /// Records a one-time link to add a computer to a space.
    pub async fn insert_sync_link(&self, link: &NewSyncLink) -> Result<()> {
        sqlx::query(
            "INSERT INTO sync_links (id, space_id, secret_hash, sealed_key, generation, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(link.id.clone())
        .bind(link.space_id)
        .bind(link.secret_hash.clone())
        .bind(link.sealed_key.clone())
        .bind(link.generation)
        .bind(link.created_at)
        .bind(link.expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Redeems a link: the new device joins its space. The device as recorded and the space
    /// key sealed under the link's pairing secret.
    pub async fn join_sync_space(
        &self,
        link: &str,
        secret_ok: SecretCheck<'_>,
        device: &NewSyncDeviceRow,
        now: i64,
    ) -> Result<std::result::Result<(SyncDeviceRow, Vec<u8>), AdmissionRefused>> {
        let mut tx = self.writer.begin().await?;
        let Some(row) = sqlx::query(
            "SELECT l.space_id, l.secret_hash, l.sealed_key, l.generation AS link_generation, \
             l.expires_at, l.used_at, s.generation FROM sync_links l \
             JOIN sync_spaces s ON s.id = l.space_id WHERE l.id = $1",
        )
        .bind(link)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(Err(AdmissionRefused::Unknown));
        };
        if let Some(refused) = admission_refused(&row, secret_ok, now)? {
            return Ok(Err(refused));
        }
        if row.try_get::<i64, _>("link_generation")? != row.try_get::<i64, _>("generation")? {
            return Ok(Err(AdmissionRefused::Stale));
        }
        let space_id: i64 = row.try_get("space_id")?;
        let sealed: Vec<u8> = row.try_get("sealed_key")?;
        let used =
            sqlx::query("UPDATE sync_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(now)
                .bind(link)
                .execute(&mut *tx)
                .await?;
        if used.rows_affected() != 1 {
            return Ok(Err(AdmissionRefused::Used));
        }
        insert_device(&mut tx, space_id, device, now).await?;
        tx.commit().await?;
        let joined = self
            .sync_device(&device.uuid)
            .await?
            .ok_or_else(|| super::StoreError::Corrupt("a new sync device is missing".into()))?;
        Ok(Ok((joined, sealed)))
    }

    /// Removes device `uuid` from a space and rotates its key, all at once: the space moves to
    /// `generation`, every record is rewritten (compare-and-set, as a write), and the new key
    /// sealed to every remaining device is kept for it. Refused unless the records and keys
    /// cover the whole space.
    pub async fn remove_sync_device(
        &self,
        space_id: i64,
        uuid: &str,
        generation: i64,
        records: &[RecordWrite],
        keys: &[(String, Vec<u8>)],
        now: i64,
    ) -> Result<std::result::Result<(), WriteRefused>> {
        let mut tx = self.writer.begin().await?;
        let moved =
            sqlx::query("UPDATE sync_spaces SET generation = $1 WHERE id = $2 AND generation = $3")
                .bind(generation)
                .bind(space_id)
                .bind(generation - 1)
                .execute(&mut *tx)
                .await?;
        if moved.rows_affected() != 1 {
            let now: i64 = sqlx::query("SELECT generation FROM sync_spaces WHERE id = $1")
                .bind(space_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("generation")?;
            return Ok(Err(WriteRefused::Generation { now }));
        }
        let removed = sqlx::query(
            "UPDATE sync_devices SET removed_at = $1 WHERE space_id = $2 AND uuid = $3 AND removed_at IS NULL",
        )
        .bind(now)
        .bind(space_id)
        .bind(uuid)
        .execute(&mut *tx)
        .await?;
        if removed.rows_affected() != 1 {
            return Ok(Err(WriteRefused::NoSuchDevice));
        }
        let remaining = sqlx::query(
            "SELECT id, uuid FROM sync_devices WHERE space_id = $1 AND removed_at IS NULL",
        )
        .bind(space_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut remaining_ids = Vec::new();
        for row in &remaining {
            let id: i64 = row.try_get("id")?;
            let device: String = row.try_get("uuid")?;
            let Some((_, sealed)) = keys.iter().find(|(d, _)| *d == device) else {
                return Ok(Err(WriteRefused::Incomplete(format!(
                    "no new key for device {device}"
                ))));
            };
            remaining_ids.push((id, sealed.clone()));
        }
        if keys.len() != remaining_ids.len() {
            return Ok(Err(WriteRefused::Incomplete(
                "a new key for a device that is not in the space".into(),
            )));
        }
        let stored: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sync_records WHERE space_id = $1")
            .bind(space_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if stored != records.len() as i64 || records.iter().any(|r| r.base_version == 0) {
            return Ok(Err(WriteRefused::Incomplete(format!(
                "{} records re-sealed of the space's {stored}",
                records.len()
            ))));
        }
        let first =
            match take_sequences(&mut tx, space_id, generation, records.len() as i64).await? {
                Ok(first) => first,
                Err(now) => return Ok(Err(WriteRefused::Generation { now })),
            };
        if let Err(conflicts) = write_records(&mut tx, space_id, generation, records, first).await?
        {
            return Ok(Err(WriteRefused::Conflicts(conflicts)));
        }
        for (device_id, sealed) in remaining_ids {
            sqlx::query(
                "INSERT INTO sync_keys (device_id, generation, sealed) VALUES ($1, $2, $3)",
            )
            .bind(device_id)
            .bind(generation)
            .bind(sealed)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// A device leaves its space on its own (its requests are refused from now on).
    pub async fn leave_sync_space(&self, device_id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE sync_devices SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
            .bind(now)
            .bind(device_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The space key of `generation` sealed to a device, when a rotation left one for it.
    pub async fn sync_key(&self, device_id: i64, generation: i64) -> Result<Option<Vec<u8>>> {
        let row =
            sqlx::query("SELECT sealed FROM sync_keys WHERE device_id = $1 AND generation = $2")
                .bind(device_id)
                .bind(generation)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.try_get("sealed")).transpose()?)
    }
}
