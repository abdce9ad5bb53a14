//! Imports checked against files this crate did not write: the Aegis fixtures built by
//! `fixtures/aegis/make_fixtures.py` (Python's `cryptography` and OpenSSL's scrypt, following
//! Aegis's published vault documentation), each entry compared field by field and by its code
//! against `oathtool`; wrong and missing passwords, costly key derivations, truncated and
//! foreign files; arbitrary bytes never panic.

use std::path::PathBuf;
use std::process::Command;

use proptest::prelude::*;
use twofold_core::Secret;
use twofold_core::otp::{Algorithm, Method};
use twofold_formats::{Format, ImportError, detect, import};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn password(text: &str) -> Secret {
    Secret::new(text.as_bytes().to_vec())
}

/// `oathtool`'s TOTP code for a base32 secret at a fixed time.
fn oathtool(secret: &str, algorithm: &str, digits: u8, period: u32) -> String {
    let out = Command::new("oathtool")
        .arg(format!("--totp={algorithm}"))
        .args(["-b", "-d", &digits.to_string(), "-s", &period.to_string()])
        .args(["-N", "@1700000000", secret])
        .output()
        .expect("oathtool (cargo xtask test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Checks the five importable entries of the Aegis fixtures.
fn check_aegis_entries(imported: &twofold_formats::Imported) {
    let names: Vec<String> = imported
        .entries
        .iter()
        .map(|e| e.draft.display_name())
        .collect();
    assert_eq!(
        names,
        [
            "GitHub (octocat)",
            "Bank (alice)",
            "Forge (bob)",
            "Steam (gamer)",
            "Shop (carol)"
        ]
    );
    let [github, bank, forge, steam, shop] = &imported.entries[..] else {
        panic!("five entries");
    };
    assert!(github.labels.pinned);
    assert_eq!(github.labels.tags, ["Work"]);
    assert_eq!(bank.labels.tags, ["Work", "Personal"]);
    assert!(!bank.labels.pinned);
    assert_eq!(bank.draft.params.algorithm(), Algorithm::Sha256);
    assert_eq!(bank.draft.params.digits(), 8);
    assert_eq!(bank.draft.params.method(), Method::Totp { period: 60 });
    assert_eq!(forge.draft.params.method(), Method::Hotp { counter: 7 });
    assert_eq!(steam.draft.params.method(), Method::Steam { period: 30 });
    assert_eq!(shop.draft.params.algorithm(), Algorithm::Sha512);
    assert_eq!(shop.draft.params.digits(), 7);
    // The codes they make are oathtool's.
    for (entry, secret, algorithm, digits, period) in [
        (github, "JBSWY3DPEHPK3PXP", "sha1", 6, 30),
        (bank, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "sha256", 8, 60),
        (shop, "MFRGGZDFMZTWQ2LK", "sha512", 7, 30),
    ] {
        let code = entry
            .draft
            .params
            .code_at(entry.draft.secret.expose(), 1_700_000_000);
        assert_eq!(code.as_str(), oathtool(secret, algorithm, digits, period));
    }
    // The two Twofold cannot compute are reported by name and field; the rest came in.
    let problems: Vec<String> = imported.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "Old VPN (dave): type: motp codes are not supported (TOTP, HOTP, Steam)",
            "Legacy (erin): algorithm: MD5 is not supported (SHA1, SHA256, SHA512)",
        ]
    );
}

#[test]
fn an_aegis_plain_export_comes_in_whole() {
    let bytes = fixture("aegis/plain.json");
    assert_eq!(detect(&bytes), Some(Format::AegisPlain));
    let imported = import(&bytes, None).unwrap();
    assert_eq!(imported.format, Format::AegisPlain);
    check_aegis_entries(&imported);
}

#[test]
fn an_aegis_encrypted_export_opens_with_its_password_only() {
    let bytes = fixture("aegis/encrypted.json");
    assert_eq!(detect(&bytes), Some(Format::AegisEncrypted));
    assert_eq!(
        import(&bytes, None).unwrap_err(),
        ImportError::PasswordRequired { app: "Aegis" }
    );
    assert_eq!(
        import(&bytes, Some(&password("wrong"))).unwrap_err(),
        ImportError::WrongPassword { app: "Aegis" }
    );
    let imported = import(&bytes, Some(&password("correct horse battery"))).unwrap();
    check_aegis_entries(&imported);
}

#[test]
fn a_file_asking_scrypt_for_too_much_is_refused_before_any_work() {
    let mut file: serde_json::Value =
        serde_json::from_slice(&fixture("aegis/encrypted.json")).unwrap();
    file["header"]["slots"][1]["n"] = serde_json::json!(1u64 << 26);
    let bytes = serde_json::to_vec(&file).unwrap();
    let started = std::time::Instant::now();
    let err = import(&bytes, Some(&password("correct horse battery"))).unwrap_err();
    assert!(
        matches!(err, ImportError::KdfTooCostly { what: "scrypt N", value, .. } if value == 1 << 26),
        "{err}"
    );
    assert!(
        err.to_string().contains("refused rather than obeyed"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 2, "refused before deriving");
    file["header"]["slots"][1]["n"] = serde_json::json!(1000);
    let err = import(&serde_json::to_vec(&file).unwrap(), Some(&password("x"))).unwrap_err();
    assert!(
        err.to_string()
            .contains("header.slots[1].n: not a power of two"),
        "{err}"
    );
}

#[test]
fn truncated_foreign_and_tampered_files_give_clear_errors() {
    let bytes = fixture("aegis/encrypted.json");
    let half = &bytes[..bytes.len() / 2];
    assert_eq!(import(half, None).unwrap_err(), ImportError::UnknownFormat);
    let err = import(b"\x89PNG\r\n\x1a\n not an export", None).unwrap_err();
    assert!(
        err.to_string().contains("not an export Twofold can read"),
        "{err}"
    );
    // The database altered after sealing: the password is right, the integrity check says no.
    let mut file: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let db = file["db"].as_str().unwrap().to_owned();
    let flipped = if db.starts_with('A') { "B" } else { "A" };
    file["db"] = serde_json::json!(format!("{flipped}{}", &db[1..]));
    let err = import(
        &serde_json::to_vec(&file).unwrap(),
        Some(&password("correct horse battery")),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "Aegis: db: fails its integrity check");
    // Too large: refused before parsing.
    let big = vec![b' '; twofold_formats::import::MAX_FILE_BYTES + 1];
    assert!(matches!(
        import(&big, None),
        Err(ImportError::TooLarge { .. })
    ));
}

#[test]
fn a_list_of_links_imports_each_line_and_names_the_bad_ones() {
    let text = "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub\n\n\
                https://example.com\n\
                otpauth://totp/x?secret=0000\n\
                OTPAUTH://hotp/Forge:bob?secret=GEZDGNBVGY3TQOJQ&counter=3\n";
    assert_eq!(detect(text.as_bytes()), Some(Format::UriList));
    let imported = import(text.as_bytes(), None).unwrap();
    let names: Vec<String> = imported
        .entries
        .iter()
        .map(|e| e.draft.display_name())
        .collect();
    assert_eq!(names, ["GitHub (octocat)", "Forge (bob)"]);
    let problems: Vec<String> = imported.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("line 3: link: not an otpauth:// link"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("x, line 4: secret: `0` at position 1 is not a base32 character"),
        "{problems:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = import(&bytes, Some(&password("p")));
    }

    #[test]
    fn arbitrary_aegis_shaped_json_never_panics(
        kind in "[a-z]{0,6}", algo in "[A-Z0-9-]{0,8}", digits in 0u64..40, period in 0u64..100_000,
        secret in "[A-Z2-7=a-z ]{0,40}",
    ) {
        let file = serde_json::json!({
            "version": 1,
            "header": {"slots": null, "params": null},
            "db": {"version": 3, "entries": [{
                "type": kind, "name": "n", "issuer": "i",
                "info": {"secret": secret, "algo": algo, "digits": digits, "period": period}
            }]}
        });
        let imported = import(&serde_json::to_vec(&file).unwrap(), None).unwrap();
        prop_assert_eq!(imported.entries.len() + imported.problems.len(), 1);
    }
}
