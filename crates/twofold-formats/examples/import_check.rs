//! A developer's check of the importers against a folder of other apps' real export files with
//! an `expected.json` (path → password, entries, whether an error is expected), such as
//! `../shared/fixtures/imports`: `cargo xtask import-check DIR`. Each expected entry is matched
//! to an imported one by its secret and compared field by field; entries of kinds Twofold cannot
//! compute (mOTP, Yandex, MD5, SHA384) must come back as per-entry problems. Prints one line a
//! file and a summary; exits 1 when any file disagrees. Not part of the test suite: the files
//! are other projects' and are not in this repository.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use twofold_core::Secret;
use twofold_core::otp::Method;
use twofold_formats::{Entry, Imported, import};

#[derive(Deserialize)]
struct Expected {
    password: Option<String>,
    entries: Vec<ExpectedEntry>,
    expect_error: bool,
    expected_entry_errors: Option<usize>,
}

/// Files where Twofold differs from the app whose test asserted the expectation, on purpose:
/// each with the reason. They are listed, not counted as wrong.
const DELIBERATE: &[(&str, &str)] = &[
    (
        "aegis/gnome/aegis_issuer_from_name.json",
        "GNOME splits an issuer off the name at its last '@'; Twofold keeps the name whole (an e-mail address is not an issuer)",
    ),
    (
        "bitwarden/gnome/bitwarden.json",
        "GNOME names an account without a user name \"Unknown account\"; Twofold leaves it empty",
    ),
    (
        "bitwarden/proton/bitwarden_sample.csv",
        "Proton keeps trailing spaces and copies the issuer into an empty name; Twofold trims and leaves it empty",
    ),
    (
        "lastpass/proton/lastpass_missing_fields.json",
        "Proton copies the name into an empty issuer; Twofold leaves it empty",
    ),
    (
        "ente/proton/plain_with_missing_fields.txt",
        "Proton copies the name into an empty issuer; Twofold leaves it empty",
    ),
    (
        "ente/proton/plain_with_hotp.txt",
        "one code is in Ente's trash (codeDisplay trashed): Twofold reports it instead of bringing a deleted code back",
    ),
    (
        "freeotp-plus/gnome/freeotp_json.json",
        "GNOME adds one to FreeOTP+'s stored HOTP counter; Twofold keeps the stored counter, as Aegis does",
    ),
    (
        "google-authenticator/scito/example_export.txt",
        "a migration entry named \"encoding: ...\" with no issuer: Twofold reads the part before ':' as the issuer, as in otpauth labels",
    ),
    (
        "google-authenticator/scito/example_export_only_totp.txt",
        "as example_export.txt",
    ),
    (
        "google-authenticator/scito/test_plus_problem_export.txt",
        "the name repeats the issuer (\"SerenityLabs:test1@...\"); Twofold drops the repeated issuer prefix",
    ),
    (
        "totp-authenticator/aegis/totp_authenticator.bin",
        "the file stores 7 digits / 20 s and 8 digits / 50 s for two accounts; Aegis forces 6 and 30, Twofold keeps what the file says",
    ),
    (
        "totp-authenticator/aegis/totp_authenticator_internal.xml",
        "as totp_authenticator.bin",
    ),
    (
        "proton-pass/proton/PassExport.zip",
        "Proton names a bare secret's account \"Proton Pass\"; Twofold names it after the item and its user name",
    ),
    (
        "google-authenticator/stratum/googleauthenticator.txt",
        "an entry with only a name: Stratum moves it to the issuer; Twofold keeps it as the name",
    ),
];

/// The format a folder of the fixtures holds, for files whose bytes do not say (as a user
/// would pass `--format`).
fn hinted(path: &str) -> Option<twofold_formats::Format> {
    use twofold_formats::Format;
    match path.split('/').next()? {
        "andotp" => Some(Format::AndOtpEncrypted),
        _ => None,
    }
}

#[derive(Deserialize)]
struct ExpectedEntry {
    #[serde(rename = "type")]
    kind: String,
    issuer: String,
    name: String,
    secret: String,
    algorithm: String,
    digits: u8,
    period: Option<u32>,
    counter: Option<u64>,
}

impl ExpectedEntry {
    fn computable(&self) -> bool {
        matches!(self.kind.as_str(), "totp" | "hotp" | "steam")
            && matches!(self.algorithm.as_str(), "SHA1" | "SHA256" | "SHA512")
    }
}

enum Outcome {
    Ok,
    Unsupported(String),
    Wrong(Vec<String>),
}

fn secret_bytes(text: &str) -> Option<Vec<u8>> {
    twofold_core::base32::decode_lenient(text)
        .ok()
        .map(|s| s.expose().to_vec())
}

fn compare(expected: &ExpectedEntry, got: &Entry) -> Vec<String> {
    let mut wrong = Vec::new();
    let params = &got.draft.params;
    let (kind, period, counter) = match params.method() {
        Method::Totp { period } => ("totp", Some(period), None),
        Method::Hotp { counter } => ("hotp", None, Some(counter)),
        Method::Steam { period } => ("steam", Some(period), None),
    };
    let who = format!("{}/{}", expected.issuer, expected.name);
    let mut check = |field: &str, want: String, have: String| {
        if want != have {
            wrong.push(format!("{who}: {field} {have:?}, expected {want:?}"));
        }
    };
    check("type", expected.kind.clone(), kind.into());
    check("issuer", expected.issuer.clone(), got.draft.issuer.clone());
    check("name", expected.name.clone(), got.draft.name.clone());
    check(
        "algorithm",
        expected.algorithm.clone(),
        params.algorithm().as_str().into(),
    );
    check(
        "digits",
        expected.digits.to_string(),
        params.digits().to_string(),
    );
    // A Steam or TOTP entry without a period in the expectation: 30 s, not asserted.
    if kind == expected.kind && (expected.period.is_some() || expected.kind == "hotp") {
        check(
            "period",
            format!("{:?}", expected.period),
            format!("{period:?}"),
        );
        check(
            "counter",
            format!("{:?}", expected.counter),
            format!("{counter:?}"),
        );
    }
    wrong
}

fn check_entries(expected: &Expected, imported: &Imported) -> Outcome {
    let mut wrong = Vec::new();
    let mut used = vec![false; imported.entries.len()];
    let mut unsupported = 0;
    for want in &expected.entries {
        if !want.computable() {
            unsupported += 1;
            continue;
        }
        let secret = secret_bytes(&want.secret);
        let found = imported.entries.iter().enumerate().position(|(i, e)| {
            !used[i] && Some(e.draft.secret.expose().to_vec()) == secret && {
                compare(want, e).is_empty()
            }
        });
        let found = found.or_else(|| {
            imported
                .entries
                .iter()
                .enumerate()
                .position(|(i, e)| !used[i] && Some(e.draft.secret.expose().to_vec()) == secret)
        });
        match found {
            Some(i) => {
                used[i] = true;
                wrong.extend(compare(want, &imported.entries[i]));
            }
            None => wrong.push(format!(
                "{}/{}: missing (secret {})",
                want.issuer, want.name, want.secret
            )),
        }
    }
    for (i, e) in imported.entries.iter().enumerate() {
        if !used[i] {
            wrong.push(format!("unexpected entry {}", e.draft.display_name()));
        }
    }
    let unsupported = expected.expected_entry_errors.unwrap_or(unsupported);
    if imported.problems.len() != unsupported {
        let problems: Vec<String> = imported.problems.iter().map(ToString::to_string).collect();
        wrong.push(format!(
            "{} problems, expected {unsupported}: {problems:?}",
            imported.problems.len()
        ));
    }
    if wrong.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Wrong(wrong)
    }
}

fn check_file(dir: &Path, path: &str, expected: &Expected) -> Outcome {
    let bytes = match std::fs::read(dir.join(path)) {
        Ok(b) => b,
        Err(e) => return Outcome::Wrong(vec![format!("cannot read: {e}")]),
    };
    let password = expected
        .password
        .as_ref()
        .map(|p| Secret::new(p.as_bytes().to_vec()));
    let result = match (import(&bytes, password.as_ref()), hinted(path)) {
        (Err(twofold_formats::ImportError::UnknownFormat), Some(format)) => {
            twofold_formats::import::import_as(format, &bytes, password.as_ref())
        }
        (result, _) => result,
    };
    match (result, expected.expect_error) {
        (Err(twofold_formats::ImportError::UnknownFormat), false) => {
            Outcome::Unsupported("format not recognised".into())
        }
        (Err(e), false) => Outcome::Wrong(vec![format!("error: {e}")]),
        (Err(_), true) => Outcome::Ok,
        (Ok(imported), true) if imported.entries.is_empty() => Outcome::Ok,
        (Ok(imported), true) => Outcome::Wrong(vec![format!(
            "expected an error, imported {} entries",
            imported.entries.len()
        )]),
        (Ok(imported), false) => check_entries(expected, &imported),
    }
}

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/fixtures/imports".into()),
    );
    let text = match std::fs::read_to_string(dir.join("expected.json")) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {e}", dir.join("expected.json").display());
            std::process::exit(2);
        }
    };
    let files: BTreeMap<String, Expected> = match serde_json::from_str(&text) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("expected.json: {e}");
            std::process::exit(2);
        }
    };
    let (mut ok, mut unsupported, mut wrong, mut deliberate) = (0, 0, 0, 0);
    for (path, expected) in &files {
        match check_file(&dir, path, expected) {
            Outcome::Ok => {
                ok += 1;
                println!("ok           {path}");
            }
            Outcome::Unsupported(why) => {
                unsupported += 1;
                println!("unsupported  {path}: {why}");
            }
            Outcome::Wrong(problems) => {
                if let Some((_, why)) = DELIBERATE.iter().find(|(p, _)| p == path) {
                    deliberate += 1;
                    println!("deliberate   {path}: {why}");
                    for p in problems {
                        println!("               {p}");
                    }
                    continue;
                }
                wrong += 1;
                println!("WRONG        {path}");
                for p in problems {
                    println!("               {p}");
                }
            }
        }
    }
    println!(
        "\n{ok} ok, {deliberate} differ on purpose, {unsupported} in formats not read yet, {wrong} wrong, of {}",
        files.len()
    );
    if wrong > 0 {
        std::process::exit(1);
    }
}
