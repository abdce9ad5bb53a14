//! The device protocol of `docs/device-protocol.md` as data and pure functions, shared by the
//! server and the device client: the enrollment link, the strings a device signs, Ed25519 keys,
//! and the JSON bodies both sides exchange.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// First line of every signed device request.
pub const REQUEST_CONTEXT: &str = "twofold-device-v1";
/// First line of every signed answer.
pub const ANSWER_CONTEXT: &str = "twofold-answer-v1";
/// First line of the proof of key possession sent at enrollment.
pub const ENROLL_CONTEXT: &str = "twofold-enroll-v1";

/// Header naming the device.
pub const HEADER_DEVICE: &str = "x-twofold-device";
/// Header with the signing time (Unix seconds).
pub const HEADER_TIMESTAMP: &str = "x-twofold-timestamp";
/// Header with a one-time random value.
pub const HEADER_NONCE: &str = "x-twofold-nonce";
/// Header with the request signature.
pub const HEADER_SIGNATURE: &str = "x-twofold-signature";

/// How far a request's timestamp may be from the server clock, in seconds.
pub const CLOCK_WINDOW: i64 = 60;

/// Path prefix of the device endpoints.
pub const DEVICE_PREFIX: &str = "/device/v1";

/// Why protocol data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A field is not what the protocol says it must be.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field or part.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A signature does not verify.
    #[error("the signature does not match")]
    BadSignature,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> ProtocolError {
    ProtocolError::Invalid {
        field,
        problem: problem.into(),
    }
}

/// Unpadded base64url, the protocol's text form of bytes.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url (padding tolerated).
pub fn unb64(field: &'static str, text: &str) -> Result<Vec<u8>, ProtocolError> {
    URL_SAFE_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .map_err(|_| invalid(field, "is not base64url"))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

/// What a device signs for a request: the method, path with query, time, nonce and body hash.
pub fn request_string(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> String {
    format!(
        "{REQUEST_CONTEXT}\n{}\n{path_and_query}\n{timestamp}\n{nonce}\n{}",
        method.to_ascii_uppercase(),
        sha256_hex(body)
    )
}

/// What a device signs for an answer.
pub fn answer_string(
    uuid: &str,
    status: RequestStatus,
    reason: Option<DenyReason>,
    number: Option<u32>,
    signed_at: i64,
) -> String {
    format!(
        "{ANSWER_CONTEXT}\n{uuid}\n{}\n{}\n{}\n{signed_at}",
        status.as_str(),
        reason.map_or("", DenyReason::as_str),
        number.map(|n| n.to_string()).unwrap_or_default()
    )
}

/// What a device signs at enrollment, proving it holds the key it registers.
pub fn enroll_string(enrollment_id: &str, public_key: &str) -> String {
    format!("{ENROLL_CONTEXT}\n{enrollment_id}\n{public_key}")
}

/// A device's Ed25519 key pair. The private half never leaves the device.
pub struct DeviceKey {
    signing: SigningKey,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKey({}, [redacted])", self.public_b64())
    }
}

impl DeviceKey {
    /// A new random key pair.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut())?;
        Ok(Self::from_seed(&seed))
    }

    /// The key pair of a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// The key pair of stored seed bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let seed: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| invalid("device key", format!("{} bytes, expected 32", bytes.len())))?;
        Ok(Self::from_seed(seed))
    }

    /// The 32-byte seed, for the keychain.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The public key, base64url.
    pub fn public_b64(&self) -> String {
        b64(self.signing.verifying_key().as_bytes())
    }

    /// Signs a message; the signature in base64url.
    pub fn sign(&self, message: &str) -> String {
        b64(&self.signing.sign(message.as_bytes()).to_bytes())
    }
}

/// A device's public key, as the server keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses a base64url public key.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        Self::from_bytes(&unb64("public_key", text)?)
    }

    /// A public key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let bytes: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| invalid("public_key", "must be 32 bytes"))?;
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| invalid("public_key", "is not an Ed25519 public key"))?;
        if key.is_weak() {
            // A small-order point: signatures under it can be forged for any message.
            return Err(invalid("public_key", "is a weak (small-order) Ed25519 key"));
        }
        Ok(Self(key))
    }

    /// The 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Checks a base64url signature of `message` (strict: no malleable signatures).
    pub fn verify(&self, message: &str, signature: &str) -> Result<(), ProtocolError> {
        let bytes = unb64("signature", signature)?;
        let sig = Signature::from_slice(&bytes).map_err(|_| ProtocolError::BadSignature)?;
        self.0
            .verify_strict(message.as_bytes(), &sig)
            .map_err(|_| ProtocolError::BadSignature)
    }
}

/// `twofold://enroll?server=…&id=…&secret=…&app=…`: what the enrollment QR holds.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollmentLink {
    /// The server's base URL (`https://auth.example.com`).
    pub server: String,
    /// The enrollment's id.
    pub id: String,
    /// The one-time secret (base64url).
    pub secret: Zeroizing<String>,
    /// The application's name, for display.
    pub app: Option<String>,
}

impl std::fmt::Debug for EnrollmentLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollmentLink")
            .field("server", &self.server)
            .field("id", &self.id)
            .field("secret", &"[redacted]")
            .field("app", &self.app)
            .finish()
    }
}

impl EnrollmentLink {
    /// Parses an enrollment link, saying which part is wrong.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let url = url::Url::parse(text.trim())
            .map_err(|e| invalid("enrollment link", format!("is not a URI ({e})")))?;
        if url.scheme() != "twofold" || url.host_str() != Some("enroll") {
            return Err(invalid(
                "enrollment link",
                "must start with twofold://enroll?",
            ));
        }
        let mut server = None;
        let mut id = None;
        let mut secret = None;
        let mut app = None;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "server" => server = Some(v.into_owned()),
                "id" => id = Some(v.into_owned()),
                "secret" => secret = Some(Zeroizing::new(v.into_owned())),
                "app" => app = Some(v.into_owned()).filter(|a| !a.is_empty()),
                _ => {}
            }
        }
        let server = server.ok_or_else(|| invalid("server", "is missing"))?;
        let parsed = url::Url::parse(&server).map_err(|_| invalid("server", "is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid("server", "must be an http or https URL"));
        }
        let id = id
            .filter(|i| !i.is_empty())
            .ok_or_else(|| invalid("id", "is missing"))?;
        let secret = secret
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("secret", "is missing"))?;
        unb64("secret", &secret)?;
        Ok(Self {
            server: server.trim_end_matches('/').to_owned(),
            id,
            secret,
            app,
        })
    }

    /// The link's text.
    pub fn to_uri(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("server", &self.server)
            .append_pair("id", &self.id)
            .append_pair("secret", &self.secret);
        if let Some(app) = &self.app {
            q.append_pair("app", app);
        }
        format!("twofold://enroll?{}", q.finish())
    }
}

/// `POST /device/v1/enroll`.
#[derive(Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The enrollment id from the link.
    pub id: String,
    /// The one-time secret from the link.
    pub secret: Zeroizing<String>,
    /// The device's public key, base64url.
    pub public_key: String,
    /// What the user calls this device.
    pub name: String,
    /// `linux`, `macos`, `windows` or `cli`.
    pub platform: String,
    /// Signature of [`enroll_string`] by the new key.
    pub proof: String,
}

impl std::fmt::Debug for EnrollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollRequest")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

/// A device as the server lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The device's id.
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// Its platform.
    pub platform: String,
    /// When it enrolled (Unix seconds).
    pub created_at: i64,
    /// When it last made a signed request.
    #[serde(default)]
    pub last_seen_at: Option<i64>,
}

/// The TOTP account a device receives at enrollment: the codes `verify` accepts.
#[derive(Clone, Serialize, Deserialize)]
pub struct AccountSeed {
    /// Shown as the issuer (the application's name).
    pub issuer: String,
    /// Shown as the account (the user's email).
    pub name: String,
    /// Base32 secret.
    pub secret: Zeroizing<String>,
    /// Digits per code.
    pub digits: u8,
    /// Seconds per code.
    pub period: u32,
}

impl std::fmt::Debug for AccountSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountSeed")
            .field("issuer", &self.issuer)
            .field("name", &self.name)
            .field("digits", &self.digits)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

/// The answer to an enrollment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The new device.
    pub device: DeviceInfo,
    /// The application's name.
    pub app_name: String,
    /// The user's Authy id.
    pub authy_id: i64,
    /// The user's app TOTP account.
    pub account: AccountSeed,
}

/// An approval request as a device sees it (`hidden_details` never reach a device).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestView {
    /// The request's uuid.
    pub uuid: String,
    /// The application asking.
    pub app_name: String,
    /// The message to show.
    pub message: String,
    /// Details to show, key → value.
    #[serde(default)]
    pub details: Value,
    /// Logos (`[{res, url}]`).
    #[serde(default)]
    pub logos: Value,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Expires (Unix seconds); `None` never.
    pub expires_at: Option<i64>,
    /// Who asked, when the website said (`{"ip", "location"}`).
    #[serde(default)]
    pub requester: Option<Value>,
    /// The user must type the number the website shows.
    #[serde(default)]
    pub number_required: bool,
    /// Where the request stands.
    pub status: RequestStatus,
    /// Why it was denied, if so.
    #[serde(default)]
    pub reason: Option<DenyReason>,
}

/// Where an approval request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for an answer.
    Pending,
    /// Approved on a device.
    Approved,
    /// Denied on a device (or by a wrong number).
    Denied,
    /// Not answered in time.
    Expired,
}

impl RequestStatus {
    /// The status as the API and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Expired => "expired",
        }
    }

    /// The status spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Denied, Self::Expired]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for DenyReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a request was denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// The user said "this wasn't me".
    NotMe,
    /// The number typed was not the website's.
    WrongNumber,
}

impl DenyReason {
    /// The reason as the API and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotMe => "not_me",
            Self::WrongNumber => "wrong_number",
        }
    }

    /// The reason spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::NotMe, Self::WrongNumber]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// One event of the stream or the long poll: a request, new or changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the server's event sequence (`Last-Event-ID`, `after`).
    pub seq: i64,
    /// The request as it is now.
    pub request: RequestView,
}

/// `GET /device/v1/requests?after=N&wait=S`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PollResponse {
    /// Events after `after`, oldest first.
    pub events: Vec<Event>,
    /// The last sequence number seen (to pass as the next `after`).
    pub last: i64,
}

/// What the user decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approve (with the typed number when one is asked for).
    Approve,
    /// Deny.
    Deny,
    /// Deny: "this wasn't me".
    NotMe,
}

impl Decision {
    /// The status and reason it stands for.
    pub fn status_reason(self) -> (RequestStatus, Option<DenyReason>) {
        match self {
            Self::Approve => (RequestStatus::Approved, None),
            Self::Deny => (RequestStatus::Denied, None),
            Self::NotMe => (RequestStatus::Denied, Some(DenyReason::NotMe)),
        }
    }

    /// The decision spelled `text` (`approve`, `deny`, `not_me`), or a message naming them.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "approve" => Ok(Self::Approve),
            "deny" => Ok(Self::Deny),
            "not_me" => Ok(Self::NotMe),
            other => Err(format!("`{other}` is not approve, deny or not_me")),
        }
    }
}

/// `POST /device/v1/requests/{uuid}/answer`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerBody {
    /// `approved` or `denied` (the server refuses any other).
    pub status: RequestStatus,
    /// `not_me` or none.
    #[serde(default)]
    pub reason: Option<DenyReason>,
    /// The number the user typed.
    #[serde(default)]
    pub number: Option<u32>,
    /// When the device signed (Unix seconds).
    pub signed_at: i64,
    /// Signature of [`answer_string`].
    pub signature: String,
}

impl AnswerBody {
    /// Signs a decision.
    pub fn sign(
        key: &DeviceKey,
        uuid: &str,
        decision: Decision,
        number: Option<u32>,
        now: i64,
    ) -> Self {
        let (status, reason) = decision.status_reason();
        let signature = key.sign(&answer_string(uuid, status, reason, number, now));
        Self {
            status,
            reason,
            number,
            signed_at: now,
            signature,
        }
    }
}

/// Random bytes as base64url (nonces, enrollment ids and secrets).
pub fn random_b64(len: usize) -> Result<String, getrandom::Error> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut bytes)?;
    Ok(b64(&bytes))
}

#[cfg(test)]
mod tests {

    /// The identity point: a small-order key under which (R = identity, S = 0) "signs" every
    /// message for a non-strict verifier.
    const IDENTITY: [u8; 32] = {
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    };

    #[test]
    fn weak_keys_are_refused_and_forgeries_never_verify() {
        let e = PublicKey::from_bytes(&IDENTITY).unwrap_err();
        assert!(e.to_string().contains("weak"), "{e}");
        let weak = PublicKey(VerifyingKey::from_bytes(&IDENTITY).unwrap());
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice(&IDENTITY);
        let sig = Signature::from_bytes(&forged);
        assert!(
            ed25519_dalek::Verifier::verify(&weak.0, b"any message at all", &sig).is_ok(),
            "the attack: a non-strict check accepts the forgery"
        );
        let forged = URL_SAFE_NO_PAD.encode(forged);
        assert!(weak.verify("any message at all", &forged).is_err());
        assert!(weak.verify("another one", &forged).is_err());
    }

    use super::*;

    #[test]
    fn enrollment_links_round_trip_and_name_what_is_wrong() {
        let link = EnrollmentLink {
            server: "https://auth.example.com:8443".into(),
            id: "abc".into(),
            secret: Zeroizing::new(b64(&[7u8; 32])),
            app: Some("Shop & Co".into()),
        };
        let parsed = EnrollmentLink::parse(&link.to_uri()).unwrap();
        assert_eq!(parsed, link);
        assert!(!format!("{parsed:?}").contains(link.secret.as_str()));
        let err = |t: &str| EnrollmentLink::parse(t).unwrap_err().to_string();
        assert!(err("otpauth://totp/x?secret=A").contains("twofold://enroll"));
        assert!(err("twofold://enroll?id=a&secret=AAAA").starts_with("server"));
        assert!(err("twofold://enroll?server=ftp://x&id=a&secret=AAAA").starts_with("server"));
        assert!(err("twofold://enroll?server=http://x&secret=AAAA").starts_with("id"));
        assert!(err("twofold://enroll?server=http://x&id=a&secret=%%%").starts_with("secret"));
    }

    #[test]
    fn signatures_bind_every_part_of_a_request() {
        let key = DeviceKey::from_seed(&[1u8; 32]);
        let public = PublicKey::parse(&key.public_b64()).unwrap();
        let text = request_string("get", "/device/v1/requests?after=3", 100, "n1", b"");
        let sig = key.sign(&text);
        assert!(text.starts_with("twofold-device-v1\nGET\n"));
        assert!(public.verify(&text, &sig).is_ok());
        for other in [
            request_string("POST", "/device/v1/requests?after=3", 100, "n1", b""),
            request_string("GET", "/device/v1/requests?after=4", 100, "n1", b""),
            request_string("GET", "/device/v1/requests?after=3", 101, "n1", b""),
            request_string("GET", "/device/v1/requests?after=3", 100, "n2", b""),
            request_string("GET", "/device/v1/requests?after=3", 100, "n1", b"x"),
        ] {
            assert_eq!(
                public.verify(&other, &sig),
                Err(ProtocolError::BadSignature)
            );
        }
        let stranger = DeviceKey::from_seed(&[2u8; 32]);
        assert_eq!(
            public.verify(&text, &stranger.sign(&text)),
            Err(ProtocolError::BadSignature)
        );
        assert!(public.verify(&text, "not base64!").is_err());
    }

    #[test]
    fn answers_are_signed_over_their_decision() {
        let key = DeviceKey::from_seed(&[3u8; 32]);
        let public = PublicKey::parse(&key.public_b64()).unwrap();
        let a = AnswerBody::sign(&key, "u-1", Decision::NotMe, None, 50);
        assert_eq!(
            (a.status.as_str(), a.reason.map(DenyReason::as_str)),
            ("denied", Some("not_me"))
        );
        let text = answer_string("u-1", a.status, a.reason, a.number, a.signed_at);
        assert!(public.verify(&text, &a.signature).is_ok());
        let forged = answer_string("u-1", RequestStatus::Approved, None, None, 50);
        assert!(public.verify(&forged, &a.signature).is_err());
    }

    #[test]
    fn device_keys_survive_their_seed_and_hide_it() {
        let key = DeviceKey::generate().unwrap();
        let again = DeviceKey::from_bytes(key.seed().as_ref()).unwrap();
        assert_eq!(key.public_b64(), again.public_b64());
        assert!(DeviceKey::from_bytes(&[0u8; 31]).is_err());
        assert!(format!("{key:?}").contains("redacted"));
    }
}
