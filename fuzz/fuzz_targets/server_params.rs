//! The server's request parameters: a query string and a body (form, JSON or anything else),
//! merged with Rails bracket keys, with its limits on depth, count and size. The first byte
//! picks the content type; the query and the body are split at the first 0xFF byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold_server::params::Params;

const TYPES: [Option<&str>; 5] = [
    None,
    Some("application/x-www-form-urlencoded"),
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("text/plain"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let content_type = TYPES[usize::from(kind) % TYPES.len()];
    let (query, body) = match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (Some(String::from_utf8_lossy(&rest[..i])), &rest[i + 1..]),
        None => (None, rest),
    };
    if let Ok(params) = Params::parse(query.as_deref(), content_type, body) {
        // Reading any field back never panics either.
        let _ = params.str(&["api_key"]);
        let _ = params.int(&["seconds_to_expire"]);
        let _ = params.get(&["details", "0", "a"]);
    }
});
