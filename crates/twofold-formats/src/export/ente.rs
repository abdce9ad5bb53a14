//! Ente Auth's plain text export: one `otpauth://` link a line, with Ente's `codeDisplay`
//! parameter carrying the tags and the pin.

use serde_json::json;
use twofold_core::{Account, otpauth};
use zeroize::Zeroizing;

pub(super) fn plain(accounts: &[Account]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::new());
    for (i, a) in accounts.iter().enumerate() {
        let mut draft = a.to_draft();
        let display = json!({
            "pinned": a.pinned,
            "trashed": false,
            "lastUsedAt": 0,
            "tapCount": 0,
            "tags": a.tags,
            "note": "",
            "position": i,
            "iconSrc": "",
            "iconID": "",
        });
        draft.extra.retain(|(k, _)| k != "codeDisplay");
        draft
            .extra
            .push(("codeDisplay".into(), display.to_string()));
        let link = Zeroizing::new(otpauth::format(&draft));
        out.extend_from_slice(link.as_bytes());
        out.push(b'\n');
    }
    out
}
