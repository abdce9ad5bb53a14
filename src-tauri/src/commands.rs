//! The IPC commands, one module per area; each is a few lines over `twofold-core`.

pub mod accounts;
pub mod backup;
pub mod clock;
pub mod manage;
pub mod push;
pub mod recovery;
pub mod scan;
pub mod sync;
pub mod transfer;
pub mod vault;
