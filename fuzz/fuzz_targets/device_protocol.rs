//! What a device or the server reads from the other side: enrollment and sync links (from a QR
//! code or the clipboard), public keys and signatures (checked against a fixed message), the
//! JSON events of the request stream, and the sync channel's bodies both ways.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold_push::protocol::{EnrollmentLink, Event, PublicKey};
use twofold_push::sync_protocol::{
    CreateSpaceRequest, JoinRequest, Pulled, PushRequest, RemoveRequest, SyncLink,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = EnrollmentLink::parse(&text);
    if let Some((key, signature)) = text.split_once('.') {
        if let Ok(key) = PublicKey::parse(key) {
            let _ = key.verify("twofold-device-v1\nGET\n/device/v1/me\n0\nn\n", signature);
        }
    }
    let _ = serde_json::from_slice::<Event>(data);
    let _ = SyncLink::parse(&text);
    let _ = serde_json::from_slice::<CreateSpaceRequest>(data);
    let _ = serde_json::from_slice::<JoinRequest>(data);
    let _ = serde_json::from_slice::<PushRequest>(data);
    let _ = serde_json::from_slice::<RemoveRequest>(data);
    let _ = serde_json::from_slice::<Pulled>(data);
});
