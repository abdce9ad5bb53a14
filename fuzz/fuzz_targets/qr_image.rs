//! Images to scan for QR codes (opened, dropped, pasted, screenshots): any bytes are decoded, or
//! refused with an error, within the decoder's size bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold_core::qr;

fuzz_target!(|data: &[u8]| {
    let _ = qr::decode_image(data);
});
