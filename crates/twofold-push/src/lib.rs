//! twofold-push: the device side of push approval (`docs/device-protocol.md`), once for the
//! desktop app and the CLI — the protocol's data and signatures, and (feature `client`) enrolling,
//! following the request stream, and answering. The server uses the protocol module alone.

pub mod protocol;
pub mod sync_protocol;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod registry;
#[cfg(feature = "client")]
pub mod sync;
#[cfg(feature = "client")]
pub mod sync_client;
#[cfg(feature = "client")]
pub mod timecheck;

pub use protocol::{
    AnswerBody, Decision, DeviceKey, EnrollmentLink, Event, ProtocolError, PublicKey, RequestView,
};
