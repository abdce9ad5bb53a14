//! Approval requests as the website reads them (the device side, events and callbacks are in
//! `push`).

use super::*;

/// A OneTouch approval request.
#[derive(Clone, Debug)]
pub struct ApprovalRow {
    pub uuid: String,
    pub app_id: i64,
    pub user_id: i64,
    pub message: String,
    pub details: String,
    pub hidden_details: String,
    pub logos: String,
    pub seconds_to_expire: i64,
    pub status: RequestStatus,
    pub created_at: i64,
    pub updated_at: i64,
    pub processed_at: Option<i64>,
    /// The number the user must type (number matching), if asked for.
    pub number: Option<i64>,
    /// Why it was denied (`not_me`, `wrong_number`).
    pub reason: Option<DenyReason>,
    /// The device that answered, its signature and when it signed.
    pub device_uuid: Option<String>,
    pub device_signature: Option<String>,
    pub signed_at: Option<i64>,
    /// Who asked, as the website said (`{"ip","location"}` JSON).
    pub requester: Option<String>,
}

impl ApprovalRow {
    /// When it expires (Unix seconds); `None` never.
    pub fn expires_at(&self) -> Option<i64> {
        (self.seconds_to_expire > 0).then(|| self.created_at.saturating_add(self.seconds_to_expire))
    }

    /// Whether it is still pending but past its lifetime at `now`.
    pub fn overdue(&self, now: i64) -> bool {
        self.status == RequestStatus::Pending && self.expires_at().is_some_and(|at| now >= at)
    }
}

impl Db {
    pub async fn approval(&self, app_id: i64, uuid: &str) -> Result<Option<ApprovalRow>> {
        let row = sqlx::query("SELECT * FROM approval_requests WHERE app_id = $1 AND uuid = $2")
            .bind(app_id)
            .bind(uuid)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| approval_row(&r)).transpose()
    }

    // ----- usage and QR images -----
}
pub(super) fn approval_row(r: &AnyRow) -> Result<ApprovalRow> {
    Ok(ApprovalRow {
        uuid: r.try_get("uuid")?,
        app_id: r.try_get("app_id")?,
        user_id: r.try_get("user_id")?,
        message: r.try_get("message")?,
        details: r.try_get("details")?,
        hidden_details: r.try_get("hidden_details")?,
        logos: r.try_get("logos")?,
        seconds_to_expire: r.try_get("seconds_to_expire")?,
        status: {
            let text: String = r.try_get("status")?;
            RequestStatus::parse(&text).ok_or_else(|| {
                StoreError::Corrupt(format!("approval request status `{text}` is unknown"))
            })?
        },
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        processed_at: r.try_get("processed_at")?,
        number: r.try_get("number")?,
        reason: match r.try_get::<Option<String>, _>("reason")? {
            None => None,
            Some(text) => Some(DenyReason::parse(&text).ok_or_else(|| {
                StoreError::Corrupt(format!("approval request reason `{text}` is unknown"))
            })?),
        },
        device_uuid: r.try_get("device_uuid")?,
        device_signature: r.try_get("device_signature")?,
        signed_at: r.try_get("signed_at")?,
        requester: r.try_get("requester")?,
    })
}
