//! Other apps' export files as `twofold-formats` imports them: format detection and every
//! importer on hostile bytes, with a password so that the encrypted paths (bounded KDFs,
//! AEAD) are reached too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold_core::Secret;

fuzz_target!(|data: &[u8]| {
    let password = Secret::new(b"correct horse battery".to_vec());
    let _ = twofold_formats::import(data, Some(&password));
});
