//! `otpauth://` links (pasted, scanned, opened by the browser): the parser must answer every
//! input with an account or a clear error, and a parsed account must format back to a link that
//! parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold_core::otpauth;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(draft) = otpauth::parse(&text) {
        let again = otpauth::format(&draft);
        assert!(otpauth::parse(&again).is_ok(), "{again}");
    }
});
