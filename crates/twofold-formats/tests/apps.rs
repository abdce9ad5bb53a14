//! Importers of 2FAS, andOTP, Bitwarden, FreeOTP+, Proton Authenticator, LastPass, Steam, Duo,
//! Battle.net, FreeOTP's encrypted backup,
//! Ente Auth (encrypted), Authenticator Pro (plain, strong, legacy, HTML) and the Android app data
//! of Authy, FreeOTP and TOTP Authenticator (with its encrypted backup), Proton Pass's ZIP and
//! password-protected ZIPs of links (and a ZIP bomb), a KeePassXC database, and the SQLite
//! databases of Google Authenticator, Microsoft Authenticator and Authenticator Pro
//! checked against files built by `fixtures/apps/make_fixtures.py` (Python's hashlib and
//! `cryptography`, following each app's published format): the format told from the bytes,
//! every entry compared field by field with the accounts the script wrote, codes against
//! `oathtool`, tags and pins where the app has them, the MD5 entry reported by name, and the
//! encrypted variants refusing a missing or wrong password.

use std::path::PathBuf;
use std::process::Command;

use twofold_core::Secret;
use twofold_core::otp::{Algorithm, Method};
use twofold_formats::{Format, ImportError, Imported, detect, import};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/apps")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn password(text: &str) -> Secret {
    Secret::new(text.as_bytes().to_vec())
}

const PASSWORD: &str = "correct horse battery";

/// An account of the script's `ACCOUNTS`.
struct Want {
    issuer: &'static str,
    name: &'static str,
    secret: &'static str,
    method: Method,
    algorithm: Algorithm,
    digits: u8,
    tag: Option<&'static str>,
    pinned: bool,
}

const GITHUB: Want = Want {
    issuer: "GitHub",
    name: "octocat",
    secret: "JBSWY3DPEHPK3PXP",
    method: Method::Totp { period: 30 },
    algorithm: Algorithm::Sha1,
    digits: 6,
    tag: Some("Work"),
    pinned: true,
};
const BANK: Want = Want {
    issuer: "Bank",
    name: "alice",
    secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    method: Method::Totp { period: 60 },
    algorithm: Algorithm::Sha256,
    digits: 8,
    tag: Some("Personal"),
    pinned: false,
};
const FORGE: Want = Want {
    issuer: "Forge",
    name: "bob",
    secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    method: Method::Hotp { counter: 7 },
    algorithm: Algorithm::Sha1,
    digits: 6,
    tag: None,
    pinned: false,
};
const STEAM: Want = Want {
    issuer: "Steam",
    name: "gamer",
    secret: "JBSWY3DPEHPK3PXP",
    method: Method::Steam { period: 30 },
    algorithm: Algorithm::Sha1,
    digits: 5,
    tag: None,
    pinned: false,
};
const SHOP: Want = Want {
    issuer: "Shop",
    name: "carol",
    secret: "MFRGGZDFMZTWQ2LK",
    method: Method::Totp { period: 30 },
    algorithm: Algorithm::Sha512,
    digits: 7,
    tag: None,
    pinned: false,
};

const BATTLE_NET: Want = Want {
    issuer: "Battle.net",
    name: "EU-1234-5678-9012",
    secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    method: Method::Totp { period: 30 },
    algorithm: Algorithm::Sha1,
    digits: 8,
    tag: None,
    pinned: false,
};

/// What the app keeps of the labels.
#[derive(Clone, Copy)]
struct Keeps {
    tags: bool,
    pins: bool,
}

const NOTHING: Keeps = Keeps {
    tags: false,
    pins: false,
};

/// `oathtool`'s code for a secret at a fixed time (HOTP at the counter).
fn oathtool(want: &Want) -> String {
    let mut cmd = Command::new("oathtool");
    match want.method {
        Method::Hotp { counter } => {
            cmd.args(["--hotp", "-c", &counter.to_string()]);
        }
        Method::Totp { period } => {
            cmd.arg(format!(
                "--totp={}",
                want.algorithm.as_str().to_ascii_lowercase()
            ))
            .args(["-s", &period.to_string(), "-N", "@1700000000"]);
        }
        Method::Steam { .. } => unreachable!("oathtool has no Steam codes"),
    }
    let out = cmd
        .args(["-b", "-d", &want.digits.to_string(), want.secret])
        .output()
        .expect("oathtool (cargo xtask test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn check(file: &str, format: Format, imported: &Imported, wants: &[&Want], keeps: Keeps) {
    assert_eq!(imported.format, format, "{file}");
    let names: Vec<String> = imported
        .entries
        .iter()
        .map(|e| e.draft.display_name())
        .collect();
    let expected: Vec<String> = wants
        .iter()
        .map(|w| twofold_core::account::display_name(w.issuer, w.name))
        .collect();
    assert_eq!(names, expected, "{file}");
    for (entry, want) in imported.entries.iter().zip(wants) {
        let who = format!("{file}: {}", entry.draft.display_name());
        let params = &entry.draft.params;
        assert_eq!(params.method(), want.method, "{who}");
        assert_eq!(params.algorithm(), want.algorithm, "{who}");
        assert_eq!(params.digits(), want.digits, "{who}");
        let secret = twofold_core::base32::decode_lenient(want.secret).unwrap();
        assert_eq!(entry.draft.secret.expose(), secret.expose(), "{who}");
        assert_eq!(entry.labels.issuer, entry.draft.issuer, "{who}");
        if keeps.tags {
            let tags: Vec<&str> = want.tag.into_iter().collect();
            assert_eq!(entry.labels.tags, tags, "{who}");
        } else {
            assert!(entry.labels.tags.is_empty(), "{who}");
        }
        assert_eq!(entry.labels.pinned, keeps.pins && want.pinned, "{who}");
        let code = match want.method {
            Method::Hotp { counter } => {
                params.code_for_counter(entry.draft.secret.expose(), counter)
            }
            Method::Totp { .. } => params.code_at(entry.draft.secret.expose(), 1_700_000_000),
            Method::Steam { .. } => continue,
        };
        assert_eq!(code.as_str(), oathtool(want), "{who}");
    }
}

/// The MD5 entry every file but Steam's and Duo's holds, reported by name and field.
fn check_md5_reported(file: &str, imported: &Imported) {
    let problems: Vec<String> = imported.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{file}: {problems:?}");
    assert!(
        problems[0].starts_with("Legacy (erin)")
            && problems[0].contains(": algorithm: ")
            && problems[0].contains("MD5"),
        "{file}: {problems:?}"
    );
}

/// Refuses without and with a wrong password, then opens with the right one.
fn open_encrypted(file: &str, app: &'static str) -> Imported {
    let bytes = fixture(file);
    assert_eq!(
        import(&bytes, None).unwrap_err(),
        ImportError::PasswordRequired { app },
        "{file}"
    );
    assert_eq!(
        import(&bytes, Some(&password("not it"))).unwrap_err(),
        ImportError::WrongPassword { app },
        "{file}"
    );
    import(&bytes, Some(&password(PASSWORD))).unwrap()
}

#[test]
fn twofas_plain_and_encrypted() {
    let keeps = Keeps {
        tags: true,
        pins: false,
    };
    let all = [&GITHUB, &BANK, &FORGE, &STEAM, &SHOP];
    let bytes = fixture("2fas-plain.2fas");
    assert_eq!(detect(&bytes), Some(Format::TwoFasPlain));
    let plain = import(&bytes, None).unwrap();
    check("2fas-plain", Format::TwoFasPlain, &plain, &all, keeps);
    check_md5_reported("2fas-plain", &plain);
    let encrypted = open_encrypted("2fas-encrypted.2fas", "2FAS");
    check(
        "2fas-encrypted",
        Format::TwoFasEncrypted,
        &encrypted,
        &all,
        keeps,
    );
    check_md5_reported("2fas-encrypted", &encrypted);
}

#[test]
fn andotp_plain_encrypted_and_its_oldest_encryption() {
    let keeps = Keeps {
        tags: true,
        pins: false,
    };
    let all = [&GITHUB, &BANK, &FORGE, &STEAM, &SHOP];
    let plain = import(&fixture("andotp-plain.json"), None).unwrap();
    check("andotp-plain", Format::AndOtpPlain, &plain, &all, keeps);
    check_md5_reported("andotp-plain", &plain);
    let encrypted = open_encrypted("andotp-encrypted.json.aes", "andOTP");
    check(
        "andotp-encrypted",
        Format::AndOtpEncrypted,
        &encrypted,
        &all,
        keeps,
    );
    // The oldest layout has no header to detect: the user names the format.
    let old = fixture("andotp-encrypted-old.json.aes");
    let imported = twofold_formats::import::import_as(
        Format::AndOtpEncrypted,
        &old,
        Some(&password(PASSWORD)),
    )
    .unwrap();
    check(
        "andotp-encrypted-old",
        Format::AndOtpEncrypted,
        &imported,
        &all,
        keeps,
    );
    check_md5_reported("andotp-encrypted-old", &imported);
    let err =
        twofold_formats::import::import_as(Format::AndOtpEncrypted, &old, Some(&password("x")))
            .unwrap_err();
    assert!(
        err.to_string().contains("the password does not open it"),
        "{err}"
    );
}

#[test]
fn andotp_refuses_a_file_asking_for_too_many_rounds() {
    let mut bytes = fixture("andotp-encrypted.json.aes");
    bytes[..4].copy_from_slice(&50_000_000u32.to_be_bytes());
    let err = twofold_formats::import::import_as(
        Format::AndOtpEncrypted,
        &bytes,
        Some(&password(PASSWORD)),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("asks for 50000000 PBKDF2 rounds, more than Twofold allows"),
        "{text}"
    );
}

#[test]
fn bitwarden_json_and_csv() {
    let keeps = Keeps {
        tags: true,
        pins: true,
    };
    // HOTP is not a Bitwarden field; the login without TOTP and the card are not accounts.
    let wants = [&GITHUB, &BANK, &STEAM, &SHOP];
    let json = fixture("bitwarden.json");
    assert_eq!(detect(&json), Some(Format::BitwardenJson));
    let imported = import(&json, None).unwrap();
    check(
        "bitwarden.json",
        Format::BitwardenJson,
        &imported,
        &wants,
        keeps,
    );
    check_md5_reported("bitwarden.json", &imported);
    let csv = fixture("bitwarden.csv");
    assert_eq!(detect(&csv), Some(Format::BitwardenCsv));
    let imported = import(&csv, None).unwrap();
    check(
        "bitwarden.csv",
        Format::BitwardenCsv,
        &imported,
        &wants,
        keeps,
    );
    check_md5_reported("bitwarden.csv", &imported);
    // Password-protected exports (PBKDF2 and Argon2id) hold the same accounts.
    for file in ["bitwarden-pbkdf2.json", "bitwarden-argon2id.json"] {
        assert_eq!(detect(&fixture(file)), Some(Format::BitwardenEncrypted));
        let imported = open_encrypted(file, "Bitwarden");
        check(file, Format::BitwardenEncrypted, &imported, &wants, keeps);
    }
    // An account-restricted export says what to do instead of importing nothing.
    let mut file: serde_json::Value = serde_json::from_slice(&json).unwrap();
    file["encrypted"] = serde_json::json!(true);
    let err = import(&serde_json::to_vec(&file).unwrap(), None).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Bitwarden: encrypted: this export is locked to a Bitwarden account"),
        "{err}"
    );
}

#[test]
fn freeotp_plus_json() {
    let bytes = fixture("freeotp-plus.json");
    assert_eq!(detect(&bytes), Some(Format::FreeOtpPlus));
    let imported = import(&bytes, None).unwrap();
    check(
        "freeotp-plus",
        Format::FreeOtpPlus,
        &imported,
        &[&GITHUB, &BANK, &FORGE, &SHOP],
        NOTHING,
    );
    check_md5_reported("freeotp-plus", &imported);
}

#[test]
fn proton_authenticator_plain_and_encrypted() {
    // A `steam://` link names no issuer; the entry's name is the account.
    let steam = Want {
        issuer: "",
        ..STEAM
    };
    let wants = [&GITHUB, &BANK, &steam, &SHOP];
    let bytes = fixture("proton-plain.json");
    assert_eq!(detect(&bytes), Some(Format::ProtonPlain));
    let plain = import(&bytes, None).unwrap();
    check("proton-plain", Format::ProtonPlain, &plain, &wants, NOTHING);
    check_md5_reported("proton-plain", &plain);
    let encrypted = open_encrypted("proton-encrypted.json", "Proton Authenticator");
    check(
        "proton-encrypted",
        Format::ProtonEncrypted,
        &encrypted,
        &wants,
        NOTHING,
    );
}

#[test]
fn lastpass_steam_and_duo() {
    let bytes = fixture("lastpass.json");
    assert_eq!(detect(&bytes), Some(Format::LastPass));
    let imported = import(&bytes, None).unwrap();
    let keeps = Keeps {
        tags: true,
        pins: true,
    };
    check(
        "lastpass",
        Format::LastPass,
        &imported,
        &[&GITHUB, &BANK, &SHOP],
        keeps,
    );
    check_md5_reported("lastpass", &imported);

    let bytes = fixture("steam.maFile");
    assert_eq!(detect(&bytes), Some(Format::Steam));
    let imported = import(&bytes, None).unwrap();
    check("steam", Format::Steam, &imported, &[&STEAM], NOTHING);
    // Steam Guard's published algorithm: HMAC-SHA1 over the 30 s step, five characters of
    // 23456789BCDFGHJKMNPQRTVWXY; the core's own Steam tests cover the arithmetic.
    let code = imported.entries[0]
        .draft
        .params
        .code_at(imported.entries[0].draft.secret.expose(), 1_700_000_000);
    assert_eq!(code.as_str().len(), 5);

    let bytes = fixture("duo.json");
    assert_eq!(detect(&bytes), Some(Format::Duo));
    let imported = import(&bytes, None).unwrap();
    let github = Want {
        issuer: "",
        tag: None,
        pinned: false,
        ..GITHUB
    };
    let forge = Want {
        issuer: "",
        ..FORGE
    };
    check("duo", Format::Duo, &imported, &[&github, &forge], NOTHING);
    assert!(imported.problems.is_empty());
}

#[test]
fn every_fixture_truncated_is_an_error_not_a_panic() {
    for file in [
        "2fas-plain.2fas",
        "2fas-encrypted.2fas",
        "andotp-plain.json",
        "andotp-encrypted.json.aes",
        "bitwarden.json",
        "bitwarden.csv",
        "freeotp-plus.json",
        "proton-plain.json",
        "proton-encrypted.json",
        "lastpass.json",
        "steam.maFile",
        "duo.json",
        "ente-encrypted.json",
        "stratum-plain.authpro",
        "stratum-legacy.authpro",
        "stratum.html",
        "authy.xml",
        "authy-encrypted.xml",
        "freeotp.xml",
        "totp-authenticator.xml",
        "totp-authenticator.bin",
        "proton-pass.zip",
        "links-encrypted.zip",
        "keepass.kdbx",
        "bitwarden-pbkdf2.json",
        "bitwarden-argon2id.json",
        "google-authenticator.sqlite",
        "microsoft-authenticator.sqlite",
        "stratum.db",
    ] {
        let bytes = fixture(file);
        for cut in [1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
            // Whatever the result, it is one: no panic, and never more entries than whole.
            if let Ok(imported) = import(&bytes[..cut], Some(&password(PASSWORD))) {
                assert!(imported.entries.len() <= 5, "{file} cut at {cut}");
            }
        }
    }
}

#[test]
fn ente_auth_encrypted_export() {
    let keeps = Keeps {
        tags: true,
        pins: true,
    };
    let bytes = fixture("ente-encrypted.json");
    assert_eq!(detect(&bytes), Some(Format::EnteEncrypted));
    let imported = open_encrypted("ente-encrypted.json", "Ente Auth");
    // Ente's export is a link list inside: the format reported is what was read.
    check(
        "ente-encrypted",
        Format::EnteEncrypted,
        &imported,
        &[&GITHUB, &BANK, &FORGE, &STEAM, &SHOP],
        keeps,
    );
    check_md5_reported("ente-encrypted", &imported);
    // A file asking libsodium's Argon2id for 64 GiB is refused, not obeyed.
    let mut file: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    file["kdfParams"]["memLimit"] = serde_json::json!(64u64 << 30);
    let err = import(
        &serde_json::to_vec(&file).unwrap(),
        Some(&password(PASSWORD)),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::KdfTooCostly {
                what: "Argon2id memory (bytes)",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn authenticator_pro_plain_strong_legacy_and_html() {
    let keeps = Keeps {
        tags: true,
        pins: false,
    };
    // Categories hold accounts by secret: Forge shares Bank's seed and Steam GitHub's, and so
    // their categories.
    let forge = Want {
        tag: Some("Personal"),
        ..FORGE
    };
    let steam = Want {
        tag: Some("Work"),
        ..STEAM
    };
    let all = [&GITHUB, &BANK, &forge, &steam, &SHOP];
    let bytes = fixture("stratum-plain.authpro");
    assert_eq!(detect(&bytes), Some(Format::StratumPlain));
    let plain = import(&bytes, None).unwrap();
    check("stratum-plain", Format::StratumPlain, &plain, &all, keeps);
    // Authenticator Pro has no number for MD5: the script wrote 3, which it does not define.
    assert_eq!(
        plain.problems[0].to_string(),
        "Legacy (erin): algorithm: number 3 is not supported (SHA1, SHA256, SHA512)"
    );
    for file in ["stratum-strong.authpro", "stratum-legacy.authpro"] {
        assert_eq!(detect(&fixture(file)), Some(Format::StratumEncrypted));
        let imported = open_encrypted(file, "Authenticator Pro");
        check(file, Format::StratumEncrypted, &imported, &all, keeps);
    }
    let bytes = fixture("stratum.html");
    assert_eq!(detect(&bytes), Some(Format::HtmlLinks));
    let html = import(&bytes, None).unwrap();
    check(
        "stratum.html",
        Format::HtmlLinks,
        &html,
        &[&GITHUB, &BANK, &FORGE, &STEAM, &SHOP],
        NOTHING,
    );
    let problems: Vec<String> = html.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[1].contains("not an otpauth:// link"),
        "the mOTP link: {problems:?}"
    );
}

#[test]
fn freeotp_encrypted_backups_of_new_and_old_android() {
    for file in ["freeotp-backup.xml", "freeotp-backup-old.xml"] {
        assert_eq!(
            detect(&fixture(file)),
            Some(Format::FreeOtpBackup),
            "{file}"
        );
        let imported = open_encrypted(file, "FreeOTP");
        check(
            file,
            Format::FreeOtpBackup,
            &imported,
            &[&GITHUB, &BANK, &FORGE, &SHOP],
            NOTHING,
        );
        check_md5_reported(file, &imported);
    }
    // Cut anywhere: a clear error, never a panic or a partial import.
    let bytes = fixture("freeotp-backup.xml");
    for cut in [5, 40, 200, bytes.len() / 2, bytes.len() - 1] {
        let err = import(&bytes[..cut], Some(&password(PASSWORD)));
        assert!(
            matches!(
                err,
                Err(ImportError::Damaged { .. }) | Err(ImportError::UnknownFormat)
            ),
            "{cut}: {err:?}"
        );
    }
}

#[test]
fn battle_net_app_data_current_and_old() {
    for file in ["battle-net.xml", "battle-net-old.xml"] {
        let bytes = fixture(file);
        assert_eq!(detect(&bytes), Some(Format::BattleNet), "{file}");
        let imported = import(&bytes, None).unwrap();
        check(file, Format::BattleNet, &imported, &[&BATTLE_NET], NOTHING);
        assert!(imported.problems.is_empty());
    }
    // Another encryption than the mask is named, not guessed at.
    let text = String::from_utf8(fixture("battle-net.xml")).unwrap();
    let other = text.replace(">MASK<", ">KEYSTORE<");
    let err = import(other.as_bytes(), None).unwrap_err().to_string();
    assert!(err.contains("`KEYSTORE` is not an encryption"), "{err}");
    // A value cut short or not hexadecimal: the field named.
    let cut = text.replace("7cdb0acd62145e48555387dd08cdf05d36", "7cdb0acd6214");
    let imported = import(cut.as_bytes(), None).unwrap();
    assert_eq!(imported.entries[0].draft.name, "EU-123");
    let bad = text.replace("7cdb0acd62145e48555387dd08cdf05d36", "zz");
    let err = import(bad.as_bytes(), None).unwrap_err().to_string();
    assert!(
        err.contains("AUTHENTICATOR_SERIAL") && err.contains("not hexadecimal"),
        "{err}"
    );
    let long = text.replace("7cdb0acd62145e48555387dd08cdf05d36", &"00".repeat(80));
    let err = import(long.as_bytes(), None).unwrap_err().to_string();
    assert!(err.contains("more than the 57"), "{err}");
}

#[test]
fn android_app_data_of_authy_freeotp_and_totp_authenticator() {
    let bytes = fixture("authy.xml");
    assert_eq!(detect(&bytes), Some(Format::AuthyPlain));
    let imported = import(&bytes, None).unwrap();
    check(
        "authy.xml",
        Format::AuthyPlain,
        &imported,
        &[&GITHUB],
        NOTHING,
    );
    let imported = open_encrypted("authy-encrypted.xml", "Authy");
    check(
        "authy-encrypted.xml",
        Format::AuthyEncrypted,
        &imported,
        &[&GITHUB],
        NOTHING,
    );

    let bytes = fixture("freeotp.xml");
    assert_eq!(detect(&bytes), Some(Format::FreeOtpXml));
    let imported = import(&bytes, None).unwrap();
    check(
        "freeotp.xml",
        Format::FreeOtpXml,
        &imported,
        &[&GITHUB, &BANK, &FORGE, &SHOP],
        NOTHING,
    );

    let keeps = Keeps {
        tags: false,
        pins: true,
    };
    let bytes = fixture("totp-authenticator.xml");
    assert_eq!(detect(&bytes), Some(Format::TotpAuthenticatorXml));
    let imported = import(&bytes, None).unwrap();
    check(
        "totp-authenticator.xml",
        Format::TotpAuthenticatorXml,
        &imported,
        &[&GITHUB],
        keeps,
    );
    let bytes = fixture("totp-authenticator.bin");
    assert_eq!(detect(&bytes), Some(Format::TotpAuthenticatorEncrypted));
    let imported = open_encrypted("totp-authenticator.bin", "TOTP Authenticator");
    check(
        "totp-authenticator.bin",
        Format::TotpAuthenticatorEncrypted,
        &imported,
        &[&GITHUB],
        keeps,
    );
}

#[test]
fn zip_exports_proton_pass_and_password_protected_links() {
    let bytes = fixture("proton-pass.zip");
    assert_eq!(detect(&bytes), Some(Format::ProtonPass));
    let imported = import(&bytes, None).unwrap();
    // The vault's name becomes the tag of its items; Shop's TOTP is an extra field.
    let personal = |w: &Want| Want {
        tag: Some("Personal"),
        ..*w
    };
    let (github, bank, shop) = (personal(&GITHUB), personal(&BANK), personal(&SHOP));
    let keeps = Keeps {
        tags: true,
        pins: true,
    };
    check(
        "proton-pass.zip",
        Format::ProtonPass,
        &imported,
        &[&github, &bank, &shop],
        keeps,
    );

    let bytes = fixture("links-encrypted.zip");
    assert_eq!(detect(&bytes), Some(Format::ZipLinks));
    let imported = open_encrypted("links-encrypted.zip", "ZIP of otpauth links");
    check(
        "links-encrypted.zip",
        Format::ZipLinks,
        &imported,
        &[&GITHUB, &BANK, &FORGE, &STEAM, &SHOP],
        NOTHING,
    );
    check_md5_reported("links-encrypted.zip", &imported);

    // 64 MiB of zeros in 64 KB: refused before it is expanded.
    let err = import(&fixture("bomb.zip"), None).unwrap_err();
    assert!(err.to_string().contains("more than Twofold reads"), "{err}");
}

/// Headers whose fixed-size fields are cut short are refused before the `keepass` crate reads
/// them (it would panic): found by fuzzing (`fuzz/regressions/import_file`).
#[test]
fn keepass_headers_with_short_number_fields_are_refused() {
    let signature = [0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5];
    let header = |major: u16, fields: &[(u8, &[u8])]| {
        let mut b = signature.to_vec();
        b.extend(1u16.to_le_bytes());
        b.extend(major.to_le_bytes());
        for (id, data) in fields {
            b.push(*id);
            if major >= 4 {
                b.extend((data.len() as u32).to_le_bytes());
            } else {
                b.extend((data.len() as u16).to_le_bytes());
            }
            b.extend(*data);
        }
        b.extend([0; 8]);
        b
    };
    let variant = |kind: u8, key: &[u8], value: &[u8]| {
        let mut v = vec![0, 1, kind];
        v.extend((key.len() as u32).to_le_bytes());
        v.extend(key);
        v.extend((value.len() as u32).to_le_bytes());
        v.extend(value);
        v.extend([0; 10]);
        v
    };
    for bytes in [
        header(4, &[(3, &[])]),
        header(4, &[(3, &[1, 0])]),
        header(3, &[(3, &[])]),
        header(3, &[(10, &[1])]),
        header(3, &[(6, &[1, 2, 3])]),
        header(4, &[(11, &variant(0x04, b"I", &[1, 2]))]),
        header(4, &[(11, &variant(0x05, b"M", &[1, 2, 3, 4]))]),
        header(4, &[(12, &variant(0x0D, b"x", &[]))]),
    ] {
        let err = import(&bytes, Some(&password("pw"))).unwrap_err();
        assert!(matches!(err, ImportError::Damaged { .. }), "{err:?}");
    }
    let found = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/import_file/keepass-short-compression-field");
    let err = import(&std::fs::read(found).unwrap(), Some(&password("pw"))).unwrap_err();
    assert!(matches!(err, ImportError::Damaged { .. }), "{err:?}");
}

#[test]
fn keepassxc_database() {
    let bytes = fixture("keepass.kdbx");
    assert_eq!(detect(&bytes), Some(Format::KeePass));
    let imported = open_encrypted("keepass.kdbx", "KeePass");
    // KeePass's own TimeOtp fields (8 digits) on Forge; the recycle bin's entry left out.
    let forge = Want {
        secret: "MFRGGZDFMZTWQ2LK",
        method: Method::Totp { period: 30 },
        digits: 8,
        tag: None,
        ..FORGE
    };
    let keeps = Keeps {
        tags: true,
        pins: false,
    };
    let names: Vec<String> = imported
        .entries
        .iter()
        .map(|e| e.draft.display_name())
        .collect();
    assert!(!names.iter().any(|n| n.contains("Deleted")), "{names:?}");
    let mut entries = imported.entries.clone();
    // pykeepass lists a group's entries after the root's: order by the script's order.
    let order = ["GitHub", "Bank", "Steam", "Shop", "Forge"];
    entries.sort_by_key(|e| order.iter().position(|o| *o == e.draft.issuer));
    let sorted = twofold_formats::Imported {
        entries,
        ..imported.clone()
    };
    check(
        "keepass.kdbx",
        Format::KeePass,
        &sorted,
        &[&GITHUB, &BANK, &STEAM, &SHOP, &forge],
        keeps,
    );
    check_md5_reported("keepass.kdbx", &imported);
    // A database asking Argon2 for more memory than the bounds: refused before deriving.
    let mut costly = bytes.clone();
    if let Some(m) = find_variant(&costly, b"M") {
        costly[m..m + 8].copy_from_slice(&(64u64 << 30).to_le_bytes());
        let err = import(&costly, Some(&password(PASSWORD))).unwrap_err();
        assert!(
            matches!(
                err,
                ImportError::KdfTooCostly {
                    what: "Argon2 memory (bytes)",
                    ..
                }
            ),
            "{err}"
        );
    } else {
        panic!("the fixture's KDF parameters have no memory entry");
    }
}

/// Where the value of KDF parameter `key` (a u64) starts in a KDBX 4 header.
fn find_variant(bytes: &[u8], key: &[u8]) -> Option<usize> {
    // type 0x05 (u64), key length, key, value length 8, value.
    let mut needle = vec![0x05];
    needle.extend_from_slice(&(key.len() as u32).to_le_bytes());
    needle.extend_from_slice(key);
    needle.extend_from_slice(&8u32.to_le_bytes());
    bytes
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
        .map(|p| p + needle.len())
}

#[test]
fn app_databases_of_google_microsoft_and_authenticator_pro() {
    let bytes = fixture("google-authenticator.sqlite");
    assert_eq!(detect(&bytes), Some(Format::GoogleAuthenticatorDb));
    let imported = import(&bytes, None).unwrap();
    check(
        "google-authenticator.sqlite",
        Format::GoogleAuthenticatorDb,
        &imported,
        &[&GITHUB, &FORGE],
        NOTHING,
    );

    let bytes = fixture("microsoft-authenticator.sqlite");
    assert_eq!(detect(&bytes), Some(Format::MicrosoftAuthenticatorDb));
    let imported = import(&bytes, None).unwrap();
    check(
        "microsoft-authenticator.sqlite",
        Format::MicrosoftAuthenticatorDb,
        &imported,
        &[&GITHUB],
        NOTHING,
    );
    // Microsoft's own account makes no standard codes: reported, not imported.
    assert_eq!(imported.problems.len(), 1);
    assert!(
        imported.problems[0]
            .to_string()
            .starts_with("Microsoft (me@outlook.com): account_type:")
    );

    let bytes = fixture("stratum.db");
    assert_eq!(detect(&bytes), Some(Format::StratumDb));
    let imported = import(&bytes, None).unwrap();
    let keeps = Keeps {
        tags: true,
        pins: false,
    };
    check(
        "stratum.db",
        Format::StratumDb,
        &imported,
        &[&GITHUB, &FORGE, &SHOP],
        keeps,
    );
}
