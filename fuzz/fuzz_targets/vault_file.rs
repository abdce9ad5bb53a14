//! Vault files (a copy restored from a backup, a file another program wrote): the header parser
//! and, behind the integrity check, the payload decoder, which the fuzzer reaches directly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold_core::Secret;
use twofold_core::vault;

fuzz_target!(|data: &[u8]| {
    let key = Secret::from_slice(&[7u8; 32]);
    let _ = vault::read_bytes(data, &key);
    let _ = vault::decode_payload(data);
});
