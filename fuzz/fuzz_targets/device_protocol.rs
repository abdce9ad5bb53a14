//! What a device or the server reads from the other side: enrollment links (from a QR code or
//! the clipboard), public keys and signatures (checked against a fixed message), and the JSON
//! events of the request stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold_push::protocol::{EnrollmentLink, Event, PublicKey};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = EnrollmentLink::parse(&text);
    if let Some((key, signature)) = text.split_once('.') {
        if let Ok(key) = PublicKey::parse(key) {
            let _ = key.verify("twofold-device-v1\nGET\n/device/v1/me\n0\nn\n", signature);
        }
    }
    let _ = serde_json::from_slice::<Event>(data);
});
