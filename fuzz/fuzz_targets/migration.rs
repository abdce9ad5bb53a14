//! Google Authenticator exports (`otpauth-migration://offline?data=…`): as text, and with the
//! fuzzer's bytes as the protobuf payload itself, so that the decoder behind the base64 is
//! reached on every run.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use twofold_core::migration;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let _ = migration::parse(&String::from_utf8_lossy(rest));
    } else {
        let payload = STANDARD.encode(rest);
        let encoded: String = payload
            .chars()
            .map(|c| match c {
                '+' => "%2B".to_owned(),
                '/' => "%2F".to_owned(),
                '=' => "%3D".to_owned(),
                c => c.to_string(),
            })
            .collect();
        let _ = migration::parse(&format!("otpauth-migration://offline?data={encoded}"));
    }
});
