//! Twofold's domain: OTP codes, `otpauth://` and Google export URIs, accounts, the encrypted vault
//! and its key in the OS keychain, and QR codes. No network, no clock: time, randomness and paths
//! come in as arguments.

pub mod account;
pub mod base32;
pub mod clock;
pub mod clock_check;
pub mod entropy;
pub mod keychain;
pub mod manual;
pub mod migration;
pub mod otp;
pub mod otpauth;
pub mod qr;
pub mod recovery;
pub mod scan;
pub mod secret;
pub mod sync;
pub mod vault;

pub use account::{Account, AccountDraft, AccountId};
pub use entropy::{Entropy, OsEntropy};
pub use otp::{Algorithm, Code, Method, OtpParams};
pub use secret::Secret;
pub use vault::{Contents, KdfParams, KeyMode, Protection, Vault, VaultError};
