//! The devices this computer has enrolled: a list beside the vault (`push-devices.json`: server,
//! device id, names — nothing secret) and each device's private key in the OS keychain; and the
//! two workflows both shells run over them, enrolling (undone at the server when the key cannot
//! be kept) and removing (revoked at the server, then forgotten here).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use twofold_core::clock::SharedClock;
use twofold_core::keychain::{KeyStore, KeyStoreError};
use twofold_core::otp::{Algorithm, Method, OtpParams};
use twofold_core::{AccountDraft, Secret, base32};

use crate::client::{self, DeviceClient, PushError};
use crate::protocol::{AccountSeed, DeviceKey, EnrollResponse, EnrollmentLink, ProtocolError};

/// The registry file's name, in the vault's directory.
pub const FILE_NAME: &str = "push-devices.json";

/// One enrolled device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// The server's base URL.
    pub server: String,
    /// The device's id on that server.
    pub uuid: String,
    /// The device's name.
    pub name: String,
    /// The application it approves for.
    pub app_name: String,
    /// The user's Authy id there.
    pub authy_id: i64,
    /// When it was enrolled (Unix seconds).
    pub created_at: i64,
}

impl DeviceRecord {
    /// The record of a device just enrolled with `server`.
    pub fn enrolled(server: &str, e: &EnrollResponse) -> Self {
        Self {
            server: server.to_owned(),
            uuid: e.device.uuid.clone(),
            name: e.device.name.clone(),
            app_name: e.app_name.clone(),
            authy_id: e.authy_id,
            created_at: e.device.created_at,
        }
    }
}

/// The account an enrollment hands over (the codes `verify` accepts), ready for the vault;
/// the error says what the server sent wrong.
pub fn account_draft(account: &AccountSeed) -> Result<AccountDraft, String> {
    Ok(AccountDraft {
        issuer: account.issuer.clone(),
        name: account.name.clone(),
        secret: base32::decode_lenient(&account.secret)
            .map_err(|e| format!("the server sent an unreadable secret: {e}"))?,
        params: OtpParams::new(
            Method::Totp {
                period: account.period,
            },
            Algorithm::Sha1,
            account.digits,
        )
        .map_err(|e| format!("the server sent unusable code settings: {e}"))?,
        extra: Vec::new(),
    })
}

/// This computer's name, for a new device's default name.
pub fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "this computer".into())
}

/// Why the registry could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        source: std::io::Error,
    },
    /// The file is not a device list.
    #[error("{path} is damaged: {problem}")]
    Damaged {
        /// The file.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// The keychain failed.
    #[error("device key: {0}")]
    Keychain(#[from] KeyStoreError),
    /// There is no keychain to keep a device key in.
    #[error(
        "push approval keeps this device's key in the OS keychain, which is not available here ({0})"
    )]
    NoKeychain(String),
    /// The keychain has no key for an enrolled device.
    #[error("the key of device {0} is not in the keychain; enroll this device again")]
    KeyMissing(String),
    /// A stored key is unusable.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

/// Why enrolling did not complete. Every failure after the server made the device revoked it
/// there again (as far as the server could be reached), so nothing is left half-enrolled.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    /// The keychain cannot hold a device key; the server was not contacted.
    #[error(transparent)]
    Keychain(RegistryError),
    /// The server refused or could not be reached; no device exists.
    #[error("enrolling with {server}: {source}")]
    Server {
        /// The server's base URL.
        server: String,
        /// What happened.
        source: PushError,
    },
    /// The server's account could not be read; the enrollment was undone.
    #[error("{0}; the enrollment was undone")]
    Account(String),
    /// The device key could not be kept; the enrollment was undone.
    #[error("the device key could not be kept, so the enrollment was undone: {0}")]
    KeyNotKept(RegistryError),
}

/// Why a device could not be removed. Nothing was forgotten here unless the server no longer
/// knows the device.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    /// No enrolled device has this id.
    #[error("no enrolled device has the id {0}")]
    NotFound(String),
    /// The server could not revoke it (unreachable, or refused).
    #[error("revoking the device at {server}: {source}")]
    Server {
        /// The server's base URL.
        server: String,
        /// What happened.
        source: PushError,
    },
    /// The list or the keychain failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// A completed enrollment: what the server said, the device as listed here, and the account
/// whose codes the server accepts (for the vault; adding it is the caller's).
#[derive(Debug)]
pub struct Enrollment {
    /// The server's answer.
    pub response: EnrollResponse,
    /// The device as this computer lists it.
    pub record: DeviceRecord,
    /// The account the server handed over.
    pub account: AccountDraft,
}

/// The keychain id of a device's key.
fn key_id(uuid: &str) -> String {
    format!("push-device-{uuid}")
}

/// The enrolled devices of one vault directory.
#[derive(Debug)]
pub struct Registry {
    path: PathBuf,
    clock: SharedClock,
}

#[derive(Default, Serialize, Deserialize)]
struct File {
    devices: Vec<DeviceRecord>,
}

impl Registry {
    /// The registry beside the vault at `vault_path`; its devices' requests are dated by
    /// `clock`.
    pub fn beside(vault_path: &Path, clock: SharedClock) -> Self {
        let dir = vault_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Self {
            path: dir.join(FILE_NAME),
            clock,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every enrolled device (none when the file does not exist yet).
    pub fn list(&self) -> Result<Vec<DeviceRecord>, RegistryError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(RegistryError::Io {
                    path: self.path.display().to_string(),
                    source,
                });
            }
        };
        let file: File = serde_json::from_str(&text).map_err(|e| RegistryError::Damaged {
            path: self.path.display().to_string(),
            problem: e.to_string(),
        })?;
        Ok(file.devices)
    }

    fn write(&self, devices: Vec<DeviceRecord>) -> Result<(), RegistryError> {
        let io = |source| RegistryError::Io {
            path: self.path.display().to_string(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            twofold_core::vault::create_private_dir(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(&File { devices }).map_err(|e| {
            RegistryError::Damaged {
                path: self.path.display().to_string(),
                problem: e.to_string(),
            }
        })?;
        // Write a sibling and rename, so a crash never leaves half a list.
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    /// Fails unless the keychain can hold a device key (checked before enrolling, so a
    /// server never gets a device whose key cannot be kept).
    pub fn check_keychain(keys: &dyn KeyStore) -> Result<(), RegistryError> {
        match keys.get(&key_id("check")) {
            Ok(_) => Ok(()),
            Err(KeyStoreError::Unavailable { reason }) => Err(RegistryError::NoKeychain(reason)),
            Err(e) => Err(RegistryError::Keychain(e)),
        }
    }

    /// Records a new device and puts its key in the keychain (key first: a listed device
    /// always has its key).
    pub fn add(
        &self,
        keys: &dyn KeyStore,
        record: DeviceRecord,
        key: &DeviceKey,
    ) -> Result<(), RegistryError> {
        keys.set(
            &key_id(&record.uuid),
            &Secret::from_slice(key.seed().as_ref()),
        )?;
        let mut devices = self.list()?;
        devices.retain(|d| !(d.uuid == record.uuid && d.server == record.server));
        devices.push(record);
        self.write(devices)
    }

    /// Forgets a device and deletes its key.
    pub fn remove(&self, keys: &dyn KeyStore, uuid: &str) -> Result<(), RegistryError> {
        let mut devices = self.list()?;
        devices.retain(|d| d.uuid != uuid);
        self.write(devices)?;
        keys.delete(&key_id(uuid))?;
        Ok(())
    }

    /// Enrolls this computer from `link` as device `name` on `platform`: the keychain is checked
    /// first (so no server gets a device whose key cannot be kept), the server makes the device,
    /// its account is read, and the key is kept and the device listed. A failure after the
    /// server made the device revokes it there again.
    pub async fn enroll(
        &self,
        keys: &dyn KeyStore,
        link: &EnrollmentLink,
        name: &str,
        platform: &str,
    ) -> Result<Enrollment, EnrollError> {
        Self::check_keychain(keys).map_err(EnrollError::Keychain)?;
        let (response, key) = client::enroll(link, name, platform)
            .await
            .map_err(|source| EnrollError::Server {
                server: link.server.clone(),
                source,
            })?;
        let record = DeviceRecord::enrolled(&link.server, &response);
        let kept = account_draft(&response.account)
            .map_err(EnrollError::Account)
            .and_then(|account| {
                self.add(keys, record.clone(), &key)
                    .map(|()| account)
                    .map_err(EnrollError::KeyNotKept)
            });
        match kept {
            Ok(account) => Ok(Enrollment {
                response,
                record,
                account,
            }),
            Err(e) => {
                // The server has a device this computer will not use: take it back. When the
                // server cannot be reached, the website's device list still shows it for
                // revoking there.
                let orphan = DeviceClient::new(&link.server, &record.uuid, key, self.clock.clone());
                let _ = orphan.revoke().await;
                Err(e)
            }
        }
    }

    /// Revokes the enrolled device `uuid` at its server and forgets it here (its key leaves the
    /// keychain). A device the server revoked already (by the website) is only forgotten.
    pub async fn remove_device(
        &self,
        keys: &dyn KeyStore,
        uuid: &str,
    ) -> Result<DeviceRecord, RemoveError> {
        let record = self
            .list()?
            .into_iter()
            .find(|d| d.uuid == uuid)
            .ok_or_else(|| RemoveError::NotFound(uuid.to_owned()))?;
        let client = self.client(keys, &record)?;
        match client.revoke().await {
            Ok(()) | Err(PushError::Refused { status: 401, .. }) => {}
            Err(source) => {
                return Err(RemoveError::Server {
                    server: record.server,
                    source,
                });
            }
        }
        self.remove(keys, &record.uuid)?;
        Ok(record)
    }

    /// A client for an enrolled device, its key read from the keychain.
    pub fn client(
        &self,
        keys: &dyn KeyStore,
        record: &DeviceRecord,
    ) -> Result<DeviceClient, RegistryError> {
        let seed = keys
            .get(&key_id(&record.uuid))?
            .ok_or_else(|| RegistryError::KeyMissing(record.uuid.clone()))?;
        let key = DeviceKey::from_bytes(seed.expose())?;
        Ok(DeviceClient::new(
            &record.server,
            &record.uuid,
            key,
            self.clock.clone(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twofold_core::clock::SystemClock;
    use twofold_core::keychain::Keychain;

    fn record(uuid: &str) -> DeviceRecord {
        DeviceRecord {
            server: "http://127.0.0.1:1".into(),
            uuid: uuid.into(),
            name: "laptop".into(),
            app_name: "Shop".into(),
            authy_id: 7,
            created_at: 1,
        }
    }

    #[test]
    fn devices_are_listed_beside_the_vault_with_keys_in_the_keychain() {
        let dir = std::env::temp_dir().join(format!("twofold-push-reg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let keys = Keychain::with_store(keyring_core::mock::Store::new().unwrap());
        let reg = Registry::beside(&dir.join("vault.tfv"), SystemClock::shared());
        assert!(reg.list().unwrap().is_empty());
        let key = DeviceKey::from_seed(&[9u8; 32]);
        reg.add(&keys, record("d1"), &key).unwrap();
        reg.add(&keys, record("d2"), &DeviceKey::from_seed(&[8u8; 32]))
            .unwrap();
        assert_eq!(reg.list().unwrap().len(), 2);
        let text = std::fs::read_to_string(reg.path()).unwrap();
        assert!(!text.contains("secret") && text.contains("\"d1\""));
        reg.client(&keys, &record("d1")).unwrap();
        reg.remove(&keys, "d1").unwrap();
        assert_eq!(reg.list().unwrap(), vec![record("d2")]);
        assert!(matches!(
            reg.client(&keys, &record("d1")),
            Err(RegistryError::KeyMissing(_))
        ));
        std::fs::write(reg.path(), "{nope").unwrap();
        assert!(matches!(reg.list(), Err(RegistryError::Damaged { .. })));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
