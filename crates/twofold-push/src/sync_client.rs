//! A sync device over HTTP (`/sync/v1/*`): creating a space or joining one (a new Ed25519 key
//! for requests and a new X25519 key for rotated space keys), and the signed requests of a
//! member — pull, push (a 409 names the records that changed), links, devices, removal,
//! leaving, the rotated key.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use twofold_core::Secret;
use twofold_core::clock::SharedClock;
use zeroize::Zeroizing;

use crate::client::{DeviceClient, PushError, http, read_json};
use crate::protocol::{DeviceKey, b64};
use crate::sync_protocol::{
    Conflict, CreateSpaceRequest, JoinRequest, Joined, KeyReply, LinkMade, LinkRequest,
    NewSyncDevice, Pulled, PushRecord, PushRequest, Pushed, RemoveRequest, SYNC_PREFIX, SyncDevice,
    join_string,
};

/// A new device's two keys: Ed25519 (signs its requests) and X25519 (opens rotated space
/// keys). Both live in the keychain.
pub struct DeviceKeys {
    /// Signs requests.
    pub signing: DeviceKey,
    /// The X25519 secret, 32 bytes.
    pub box_secret: Secret,
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKeys")
            .field("signing", &self.signing)
            .finish_non_exhaustive()
    }
}

impl DeviceKeys {
    /// Two new random keys.
    pub fn generate() -> Result<Self, PushError> {
        let signing = DeviceKey::generate().map_err(|e| PushError::Random(e.to_string()))?;
        let mut secret = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut()).map_err(|e| PushError::Random(e.to_string()))?;
        Ok(Self {
            signing,
            box_secret: Secret::from_slice(secret.as_ref()),
        })
    }

    /// The 64 bytes the keychain keeps: the Ed25519 seed, then the X25519 secret.
    pub fn to_bytes(&self) -> Secret {
        let mut bytes = Zeroizing::new(self.signing.seed().to_vec());
        bytes.extend_from_slice(self.box_secret.expose());
        Secret::from_slice(&bytes)
    }

    /// The keys from [`DeviceKeys::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 64 {
            return None;
        }
        Some(Self {
            signing: DeviceKey::from_bytes(&bytes[..32]).ok()?,
            box_secret: Secret::from_slice(&bytes[32..]),
        })
    }

    /// The registration of these keys, with the proof for `admission`.
    fn registration(&self, admission: &str, name: &str, platform: &str) -> NewSyncDevice {
        let public_key = self.signing.public_b64();
        let box_key = b64(&twofold_core::sync::box_public(&self.box_secret).unwrap_or_default());
        NewSyncDevice {
            proof: self
                .signing
                .sign(&join_string(admission, &public_key, &box_key)),
            public_key,
            box_key,
            name: name.to_owned(),
            platform: platform.to_owned(),
        }
    }
}

async fn post_unsigned<T: DeserializeOwned>(
    server: &str,
    path: &str,
    body: &impl serde::Serialize,
) -> Result<T, PushError> {
    let response = http()
        .post(format!("{server}{SYNC_PREFIX}{path}"))
        .timeout(Duration::from_secs(30))
        .json(body)
        .send()
        .await
        .map_err(|source| PushError::Network {
            server: server.to_owned(),
            source,
        })?;
    read_json(server, response).await
}

/// Creates a space on `server` with this computer as its first device (`invite`: the
/// invitation's id and secret, on a server that needs one).
pub async fn create_space(
    server: &str,
    invite: Option<(&str, &Zeroizing<String>)>,
    keys: &DeviceKeys,
    name: &str,
    platform: &str,
) -> Result<Joined, PushError> {
    let admission = invite.map_or("open", |(id, _)| id);
    let body = CreateSpaceRequest {
        invite: invite.map(|(id, _)| id.to_owned()),
        invite_secret: invite.map(|(_, s)| s.clone()),
        device: keys.registration(admission, name, platform),
    };
    post_unsigned(server, "/spaces", &body).await
}

/// Joins the space of a link (its id and server secret).
pub async fn join_space(
    server: &str,
    link: &str,
    secret: &Zeroizing<String>,
    keys: &DeviceKeys,
    name: &str,
    platform: &str,
) -> Result<Joined, PushError> {
    let body = JoinRequest {
        link: link.to_owned(),
        secret: secret.clone(),
        device: keys.registration(link, name, platform),
    };
    post_unsigned(server, "/join", &body).await
}

/// What came of a push.
#[derive(Clone, Debug)]
pub enum PushOutcome {
    /// Written.
    Written(Pushed),
    /// Nothing was written: these records changed since they were read.
    Conflicts(Vec<Conflict>),
    /// Nothing was written: the space key is at another generation now.
    KeyChanged(u32),
}

/// A 409 answer to a write, read as its outcome: the records that changed, or the key
/// generation now.
async fn conflict_of(response: reqwest::Response) -> Result<PushOutcome, PushError> {
    let bytes = response.bytes().await.unwrap_or_default();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(generation) = value.get("generation").and_then(Value::as_u64) {
        return Ok(PushOutcome::KeyChanged(
            u32::try_from(generation).unwrap_or(u32::MAX),
        ));
    }
    let conflicts: Vec<Conflict> = serde_json::from_value(value["conflicts"].clone())
        .map_err(|_| PushError::BadAnswer("a 409 answer without its conflicts".into()))?;
    Ok(PushOutcome::Conflicts(conflicts))
}

/// A member of a sync space.
#[derive(Clone, Debug)]
pub struct SyncClient {
    inner: DeviceClient,
}

impl SyncClient {
    /// The device `uuid` of `server`, signing with `key`.
    pub fn new(server: &str, uuid: &str, key: DeviceKey, clock: SharedClock) -> Self {
        Self {
            inner: DeviceClient::new(server, uuid, key, clock),
        }
    }

    /// The server.
    pub fn server(&self) -> &str {
        self.inner.server()
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<T, PushError> {
        let response = self
            .inner
            .send_signed(method, &format!("{SYNC_PREFIX}{path}"), body, timeout)
            .await?;
        read_json(self.server(), response).await
    }

    fn json(value: &impl serde::Serialize) -> Result<Vec<u8>, PushError> {
        serde_json::to_vec(value).map_err(|e| PushError::BadAnswer(e.to_string()))
    }

    /// Records written after `after`; with `wait` seconds, held until something is.
    pub async fn pull(&self, after: i64, wait: u32) -> Result<Pulled, PushError> {
        let path = if wait > 0 {
            format!("/records?after={after}&wait={wait}")
        } else {
            format!("/records?after={after}")
        };
        self.call(
            reqwest::Method::GET,
            &path,
            Vec::new(),
            Duration::from_secs(u64::from(wait) + 30),
        )
        .await
    }

    /// Writes records sealed under key `generation`, all or none.
    pub async fn push(
        &self,
        generation: u32,
        records: Vec<PushRecord>,
    ) -> Result<PushOutcome, PushError> {
        let body = Self::json(&PushRequest {
            generation,
            records,
        })?;
        let response = self
            .inner
            .send_signed(
                reqwest::Method::POST,
                &format!("{SYNC_PREFIX}/records"),
                body,
                Duration::from_secs(60),
            )
            .await?;
        if response.status() == reqwest::StatusCode::CONFLICT {
            return conflict_of(response).await;
        }
        Ok(PushOutcome::Written(
            read_json(self.server(), response).await?,
        ))
    }

    /// A one-time link for another computer: the space key sealed under its pairing secret.
    pub async fn link(
        &self,
        sealed_space_key: &[u8],
        generation: u32,
    ) -> Result<LinkMade, PushError> {
        let body = Self::json(&LinkRequest {
            sealed_space_key: b64(sealed_space_key),
            generation,
        })?;
        self.call(
            reqwest::Method::POST,
            "/links",
            body,
            Duration::from_secs(30),
        )
        .await
    }

    /// The space's devices.
    pub async fn devices(&self) -> Result<Vec<SyncDevice>, PushError> {
        #[derive(serde::Deserialize)]
        struct Devices {
            devices: Vec<SyncDevice>,
        }
        let d: Devices = self
            .call(
                reqwest::Method::GET,
                "/devices",
                Vec::new(),
                Duration::from_secs(30),
            )
            .await?;
        Ok(d.devices)
    }

    /// Removes another device, with the space key rotation of `request`.
    pub async fn remove(
        &self,
        uuid: &str,
        request: &RemoveRequest,
    ) -> Result<PushOutcome, PushError> {
        let response = self
            .inner
            .send_signed(
                reqwest::Method::POST,
                &format!("{SYNC_PREFIX}/devices/{uuid}/remove"),
                Self::json(request)?,
                Duration::from_secs(120),
            )
            .await?;
        if response.status() == reqwest::StatusCode::CONFLICT {
            return conflict_of(response).await;
        }
        let _: Value = read_json(self.server(), response).await?;
        Ok(PushOutcome::Written(Pushed {
            records: Vec::new(),
        }))
    }

    /// This device leaves the space.
    pub async fn leave(&self) -> Result<(), PushError> {
        let _: Value = self
            .call(
                reqwest::Method::POST,
                "/leave",
                Vec::new(),
                Duration::from_secs(30),
            )
            .await?;
        Ok(())
    }

    /// The current space key, sealed to this device (after a rotation).
    pub async fn key(&self) -> Result<KeyReply, PushError> {
        self.call(
            reqwest::Method::GET,
            "/key",
            Vec::new(),
            Duration::from_secs(30),
        )
        .await
    }
}
