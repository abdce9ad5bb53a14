//! The IPC commands, one module per area; each is a few lines over `twofold-core`.

pub mod accounts;
pub mod manage;
pub mod push;
pub mod scan;
pub mod vault;

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds now (the shell reads the clock; the core never does).
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
