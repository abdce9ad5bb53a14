//! The sync channel of `docs/sync-protocol.md` as data, shared by the server and the client:
//! the link that adds a computer (and the operator's invitation), the proof a new sync device
//! signs, and the JSON bodies of `/sync/v1/*`. Records travel as base64url ciphertext the
//! server cannot open; requests are signed as the device protocol's (§3).

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::protocol::{ProtocolError, unb64};

/// Path prefix of the sync endpoints.
pub const SYNC_PREFIX: &str = "/sync/v1";
/// First line of the proof a new sync device signs.
pub const JOIN_CONTEXT: &str = "twofold-sync-join-v1";
/// Most records in one pull page or one push.
pub const MAX_RECORDS: usize = 500;
/// Largest ciphertext of one record, in bytes (an account is well under 2 KiB).
pub const MAX_RECORD_BYTES: usize = 16 * 1024;
/// Largest request body of the sync endpoints.
pub const MAX_SYNC_BODY: usize = 12 * 1024 * 1024;
/// How long a link to add a computer works, in seconds.
pub const LINK_LIFETIME: i64 = 600;

fn invalid(field: &'static str, problem: impl Into<String>) -> ProtocolError {
    ProtocolError::Invalid {
        field,
        problem: problem.into(),
    }
}

/// What a new sync device signs with its new key: that it holds the key it registers, for this
/// link (or invitation, or `open`) and this encryption key.
pub fn join_string(admission: &str, public_key: &str, box_key: &str) -> String {
    format!("{JOIN_CONTEXT}\n{admission}\n{public_key}\n{box_key}")
}

/// A sync device registering: its Ed25519 public key (requests), its X25519 public key (a new
/// space key after a rotation is sealed to it), a name, a platform and the proof.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewSyncDevice {
    /// Ed25519 public key, base64url.
    pub public_key: String,
    /// X25519 public key, base64url.
    pub box_key: String,
    /// What the person calls this computer.
    pub name: String,
    /// `linux`, `macos`, `windows` or `cli`.
    pub platform: String,
    /// Signature of [`join_string`] by the Ed25519 key.
    pub proof: String,
}

/// `POST /sync/v1/spaces`: a new space with its first device.
#[derive(Clone, Serialize, Deserialize)]
pub struct CreateSpaceRequest {
    /// The invitation's id, on a server where spaces need one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
    /// The invitation's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_secret: Option<Zeroizing<String>>,
    /// The first device.
    pub device: NewSyncDevice,
}

impl std::fmt::Debug for CreateSpaceRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateSpaceRequest")
            .field("invite", &self.invite)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

/// `POST /sync/v1/join`: a device redeeming a link.
#[derive(Clone, Serialize, Deserialize)]
pub struct JoinRequest {
    /// The link's id.
    pub link: String,
    /// The link's server secret (not the pairing secret, which never leaves the devices).
    pub secret: Zeroizing<String>,
    /// The new device.
    pub device: NewSyncDevice,
}

impl std::fmt::Debug for JoinRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinRequest")
            .field("link", &self.link)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

/// A device of a space, as the space's devices see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncDevice {
    /// Its id.
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// Its platform.
    pub platform: String,
    /// Its number in the space (the node of its clock readings).
    pub node: u32,
    /// Its X25519 public key, base64url.
    pub box_key: String,
    /// When it joined (Unix seconds).
    pub created_at: i64,
    /// Its last signed request.
    pub last_seen_at: Option<i64>,
}

/// The answer to creating a space or joining one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Joined {
    /// The space's id.
    pub space: String,
    /// The space key's generation.
    pub generation: u32,
    /// This device.
    pub device: SyncDevice,
    /// The space key sealed under the link's pairing secret (when joining).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_space_key: Option<String>,
}

/// A record as the server holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    /// The record's id (the account's).
    pub id: String,
    /// Its version: 1 when first written, one more at each write.
    pub version: u64,
    /// The space's sequence number of its last write.
    pub sequence: i64,
    /// The space key generation it is sealed under.
    pub generation: u32,
    /// `nonce ‖ ciphertext ‖ tag`, base64url.
    pub ciphertext: String,
    /// Whether the account is deleted (the record stays, so that the delete syncs).
    pub deleted: bool,
}

/// `GET /sync/v1/records?after=SEQ[&wait=S]`: records written after a sequence number.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pulled {
    /// Oldest first, at most [`MAX_RECORDS`].
    pub records: Vec<WireRecord>,
    /// The space's last sequence number when read.
    pub last: i64,
    /// The space key's generation now.
    pub generation: u32,
    /// Whether there are more after these.
    pub more: bool,
}

/// One record to write: its new ciphertext, sealed as version `base_version + 1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRecord {
    /// The record's id.
    pub id: String,
    /// The version this write starts from (0 for a new record).
    pub base_version: u64,
    /// `nonce ‖ ciphertext ‖ tag`, base64url.
    pub ciphertext: String,
    /// Whether the account is deleted.
    pub deleted: bool,
}

/// `POST /sync/v1/records`: writes, all or none.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushRequest {
    /// The space key generation the records are sealed under.
    pub generation: u32,
    /// The records.
    pub records: Vec<PushRecord>,
}

/// A record written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The record's id.
    pub id: String,
    /// Its new version.
    pub version: u64,
    /// Its sequence number.
    pub sequence: i64,
}

/// The answer to a push.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pushed {
    /// The records written, in the order sent.
    pub records: Vec<Written>,
}

/// A record a push started from an old version of (the 409 answer's `conflicts`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The record's id.
    pub id: String,
    /// Its version now.
    pub version: u64,
}

/// `POST /sync/v1/links`: a one-time link to add a computer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkRequest {
    /// The space key sealed under the link's pairing secret, base64url.
    pub sealed_space_key: String,
    /// Its generation.
    pub generation: u32,
}

/// The server's half of a link.
#[derive(Clone, Serialize, Deserialize)]
pub struct LinkMade {
    /// The link's id.
    pub id: String,
    /// Its one-time server secret.
    pub secret: Zeroizing<String>,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
}

impl std::fmt::Debug for LinkMade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkMade")
            .field("id", &self.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The new space key sealed to one remaining device.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SealedKey {
    /// The device.
    pub device: String,
    /// `ephemeral ‖ nonce ‖ ciphertext ‖ tag`, base64url.
    pub sealed: String,
}

/// `POST /sync/v1/devices/{uuid}/remove`: removes a device and rotates the space key, all at
/// once: every record re-sealed under the new key, the key sealed to every remaining device.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RemoveRequest {
    /// The new generation (the current one plus one).
    pub generation: u32,
    /// Every record of the space, re-sealed.
    pub records: Vec<PushRecord>,
    /// The new key for every remaining device (the remover's own included).
    pub keys: Vec<SealedKey>,
}

/// `GET /sync/v1/key`: the space key of the current generation, sealed to this device.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyReply {
    /// The generation.
    pub generation: u32,
    /// Sealed to this device's X25519 key, base64url.
    pub sealed: String,
}

/// What a sync link or invitation admits.
#[derive(Clone, PartialEq, Eq)]
pub enum Admission {
    /// Join an existing space: the link's id, its server secret, and the pairing secret that
    /// opens the space key (from the fragment: never sent to the server).
    Link {
        /// The link's id.
        id: String,
        /// Its server secret.
        secret: Zeroizing<String>,
        /// The pairing secret.
        pairing: Zeroizing<[u8; 32]>,
    },
    /// Create a space on a server where the operator invites.
    Invite {
        /// The invitation's id.
        id: String,
        /// Its secret.
        secret: Zeroizing<String>,
    },
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Link { id, .. } => write!(f, "Link({id}, [secrets redacted])"),
            Self::Invite { id, .. } => write!(f, "Invite({id}, [secret redacted])"),
        }
    }
}

/// `twofold://sync?server=…&link=…&secret=…#k=…` (add this computer to a space) or
/// `twofold://sync?server=…&invite=…&secret=…` (an operator's invitation to create one).
#[derive(Clone, PartialEq, Eq)]
pub struct SyncLink {
    /// The server's base URL.
    pub server: String,
    /// What it admits.
    pub admission: Admission,
}

impl std::fmt::Debug for SyncLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, id) = match &self.admission {
            Admission::Link { id, .. } => ("link", id),
            Admission::Invite { id, .. } => ("invite", id),
        };
        write!(
            f,
            "SyncLink({}, {kind} {id}, [secrets redacted])",
            self.server
        )
    }
}

impl SyncLink {
    /// Parses a sync link, saying which part is wrong.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let url = url::Url::parse(text.trim())
            .map_err(|e| invalid("sync link", format!("is not a URI ({e})")))?;
        if url.scheme() != "twofold" || url.host_str() != Some("sync") {
            return Err(invalid("sync link", "must start with twofold://sync?"));
        }
        let mut server = None;
        let mut link = None;
        let mut invite = None;
        let mut secret = None;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "server" => server = Some(v.into_owned()),
                "link" => link = Some(v.into_owned()),
                "invite" => invite = Some(v.into_owned()),
                "secret" => secret = Some(Zeroizing::new(v.into_owned())),
                _ => {}
            }
        }
        let server = server.ok_or_else(|| invalid("server", "is missing"))?;
        let parsed = url::Url::parse(&server).map_err(|_| invalid("server", "is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid("server", "must be an http or https URL"));
        }
        let secret = secret
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("secret", "is missing"))?;
        unb64("secret", &secret)?;
        let nonempty = |v: Option<String>| v.filter(|v| !v.is_empty());
        let admission = match (nonempty(link), nonempty(invite)) {
            (Some(id), None) => {
                let fragment = url.fragment().unwrap_or_default();
                let k = fragment
                    .split('&')
                    .find_map(|p| p.strip_prefix("k="))
                    .ok_or_else(|| {
                        invalid("k", "is missing (the part after # was cut off the link)")
                    })?;
                let bytes = Zeroizing::new(unb64("k", k)?);
                let pairing: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| invalid("k", "must be 32 bytes"))?;
                Admission::Link {
                    id,
                    secret,
                    pairing: Zeroizing::new(pairing),
                }
            }
            (None, Some(id)) => Admission::Invite { id, secret },
            (Some(_), Some(_)) => return Err(invalid("sync link", "has both link and invite")),
            (None, None) => return Err(invalid("link", "is missing")),
        };
        Ok(Self {
            server: server.trim_end_matches('/').to_owned(),
            admission,
        })
    }

    /// The link's text.
    pub fn to_uri(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("server", &self.server);
        match &self.admission {
            Admission::Link {
                id,
                secret,
                pairing,
            } => {
                q.append_pair("link", id).append_pair("secret", secret);
                format!(
                    "twofold://sync?{}#k={}",
                    q.finish(),
                    crate::protocol::b64(pairing.as_ref())
                )
            }
            Admission::Invite { id, secret } => {
                q.append_pair("invite", id).append_pair("secret", secret);
                format!("twofold://sync?{}", q.finish())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_round_trip_and_keep_the_pairing_secret_in_the_fragment() {
        let link = SyncLink {
            server: "https://auth.example.com".into(),
            admission: Admission::Link {
                id: "L1".into(),
                secret: Zeroizing::new("c2VjcmV0".into()),
                pairing: Zeroizing::new([7; 32]),
            },
        };
        let text = link.to_uri();
        let (before, after) = text.split_once('#').unwrap();
        assert!(!before.contains(&crate::protocol::b64(&[7; 32])));
        assert!(after.starts_with("k="));
        assert_eq!(SyncLink::parse(&text).unwrap(), link);
        assert!(!format!("{link:?}").contains("c2VjcmV0"));
        let invite = SyncLink {
            server: "http://127.0.0.1:8080".into(),
            admission: Admission::Invite {
                id: "I1".into(),
                secret: Zeroizing::new("c2VjcmV0".into()),
            },
        };
        assert_eq!(SyncLink::parse(&invite.to_uri()).unwrap(), invite);
    }

    #[test]
    fn broken_links_say_which_part_is_wrong() {
        let cases = [
            (
                "twofold://enroll?server=http://a&link=x&secret=AA#k=AA",
                "sync link",
            ),
            ("twofold://sync?link=x&secret=AA", "server"),
            ("twofold://sync?server=ftp://a&link=x&secret=AA", "server"),
            ("twofold://sync?server=http://a&link=x", "secret"),
            ("twofold://sync?server=http://a&link=x&secret=AA", "k"),
            (
                "twofold://sync?server=http://a&link=x&secret=AA#k=AAAA",
                "k",
            ),
            ("twofold://sync?server=http://a&secret=AA", "link"),
        ];
        for (text, field) in cases {
            match SyncLink::parse(text) {
                Err(ProtocolError::Invalid { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
