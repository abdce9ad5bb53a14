//! Google Authenticator export QR codes: published fixtures and a multi-batch export written by an
//! independent encoder, decoded account by account, plus the refusals and a no-panic property.

use std::path::PathBuf;

use proptest::prelude::*;
use twofold_core::AccountDraft;
use twofold_core::migration::{self, BatchError, MigrationError, MigrationSet};
use twofold_core::otp::Method;

fn fixture(name: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/migration")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn render(d: &AccountDraft) -> String {
    let p = d.params;
    let moving = match p.method() {
        Method::Totp { period } | Method::Steam { period } => format!("{period}s"),
        Method::Hotp { counter } => format!("c{counter}"),
    };
    format!(
        "{} | {} | {} | {} {} {} {}",
        d.issuer,
        d.name,
        d.secret.to_base32().as_str(),
        p.method().type_name(),
        p.algorithm(),
        p.digits(),
        moving
    )
}

#[test]
fn gnome_authenticator_vector() {
    let batch = migration::parse(&fixture("gnome_discord.txt")[0]).unwrap();
    let got: Vec<String> = batch.accounts.iter().map(render).collect();
    assert_eq!(
        got,
        ["Discord | johndoe@example.com | JRZCL47CMXVOQMNPZR2F7J4RGI | totp SHA1 6 30s"]
    );
    assert_eq!((batch.batch_size, batch.batch_index), (1, 0));
}

#[test]
fn extract_otp_secrets_examples() {
    let lines = fixture("extract_otp_secrets.txt");
    let got: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            migration::parse(l)
                .unwrap()
                .accounts
                .iter()
                .map(render)
                .collect()
        })
        .collect();
    let pi = "raspberrypi | pi@raspberrypi | 7KSQL2JTUDIS5EF65KLMRQIIGY | totp SHA1 6 30s";
    let pi_no_issuer = " | pi@raspberrypi | 7KSQL2JTUDIS5EF65KLMRQIIGY | totp SHA1 6 30s";
    assert_eq!(got[0], [pi]);
    assert_eq!(got[1], [pi_no_issuer]);
    assert_eq!(got[2], [pi_no_issuer, pi], "two accounts in one QR code");
    assert_eq!(
        got[3],
        [" | hotp demo | 7KSQL2JTUDIS5EF65KLMRQIIGY | hotp SHA1 6 c4"]
    );
    assert_eq!(
        got[4],
        ["encoding | ¿äÄéÉ? (demo) | 7KSQL2JTUDIS5EF65KLMRQIIGY | totp SHA1 6 30s"]
    );
}

#[test]
fn multi_batch_export_collects_all_accounts() {
    let lines = fixture("multibatch.txt");
    let mut set = MigrationSet::new();
    // Scanned out of order, one twice.
    for i in [2, 0, 2, 1] {
        let batch = migration::parse(&lines[i]).unwrap();
        assert_eq!(batch.batch_size, 3);
        assert_eq!(batch.batch_id, -1_234_567_890);
        set.add(batch).unwrap();
    }
    assert!(set.is_complete());
    let got: Vec<String> = set.accounts().iter().map(render).collect();
    assert_eq!(
        got,
        [
            "GitHub | octocat | GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ | totp SHA1 6 30s",
            "Example | alice@example.com | GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA | totp SHA256 8 30s",
            "Bank | böb | AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFYYDENBWHA5DYPSAIJCEMSCKJRHFAUSUKZMFUXC6MBRGIZTINJWG44DSOR3HQ6T4PY | totp SHA512 6 30s",
            " | hotp demo | 32W353YBAIBQIBIG | hotp SHA1 6 c41",
            "Microsoft | carol@contoso.com | JBSWY3DPEHPK3PXP | totp SHA1 6 30s",
        ]
    );
}

#[test]
fn incomplete_export_reports_missing_batches() {
    let lines = fixture("multibatch.txt");
    let mut set = MigrationSet::new();
    set.add(migration::parse(&lines[1]).unwrap()).unwrap();
    assert!(!set.is_complete());
    assert_eq!(set.missing(), [0, 2]);
    assert_eq!(set.accounts().len(), 2);
}

#[test]
fn batch_from_another_export_is_refused() {
    let mut set = MigrationSet::new();
    set.add(migration::parse(&fixture("multibatch.txt")[0]).unwrap())
        .unwrap();
    let other = migration::parse(&fixture("gnome_discord.txt")[0]).unwrap();
    assert!(matches!(
        set.add(other),
        Err(BatchError::OtherExport { .. })
    ));
}

#[test]
fn rejects_other_schemes() {
    assert_eq!(
        migration::parse("otpauth://totp/x?secret=AAAA"),
        Err(MigrationError::NotMigration)
    );
}

#[test]
fn rejects_missing_data() {
    assert_eq!(
        migration::parse("otpauth-migration://offline?foo=1"),
        Err(MigrationError::MissingData)
    );
}

#[test]
fn rejects_non_base64_data() {
    assert_eq!(
        migration::parse("otpauth-migration://offline?data=%%%%"),
        Err(MigrationError::Base64)
    );
}

#[test]
fn rejects_garbage_protobuf() {
    let e = migration::parse("otpauth-migration://offline?data=_____w").unwrap_err();
    assert!(matches!(e, MigrationError::Protobuf { .. }), "{e:?}");
}

#[test]
fn rejects_md5_account_naming_it() {
    // One account, secret "abc", name "x", algorithm MD5 (4), type TOTP.
    let e = migration::parse("otpauth-migration://offline?data=CgwKA2FiYxIBeCAEMAI").unwrap_err();
    assert_eq!(
        e.to_string(),
        "account 1 (x): algorithm: MD5 is not supported"
    );
}

proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        use base64::Engine;
        let data = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        let _ = migration::parse(&format!("otpauth-migration://offline?data={data}"));
    }
}

#[test]
fn an_export_we_write_reads_back_in_batches() {
    let drafts: Vec<AccountDraft> = [
        "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
        "otpauth://totp/Bank:alice?secret=GEZDGNBVGY3TQOJQ&issuer=Bank&algorithm=SHA256&digits=8",
        "otpauth://hotp/Forge:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Forge&counter=7",
        "otpauth://totp/plain?secret=MFRGGZDFMZTWQ2LK&algorithm=SHA512",
        // Not representable: a Steam code, a 60-second period, 7 digits.
        "otpauth://steam/Steam:gamer?secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp/Slow:s?secret=JBSWY3DPEHPK3PXP&period=60",
        "otpauth://totp/Seven:s?secret=JBSWY3DPEHPK3PXP&digits=7",
    ]
    .iter()
    .map(|u| twofold_core::otpauth::parse(u).unwrap())
    .collect();
    let refused: Vec<&str> = drafts
        .iter()
        .filter_map(|d| migration::unexportable(d).map(|(field, _)| field))
        .collect();
    assert_eq!(refused, ["type", "period", "digits"]);
    let links = migration::encode(&drafts, 3, 42);
    assert_eq!(links.len(), 2, "four accounts, three a batch");
    let mut set = migration::MigrationSet::new();
    for (i, link) in links.iter().enumerate() {
        let batch = migration::parse(link).unwrap();
        assert_eq!(
            (batch.batch_index, batch.batch_size, batch.batch_id),
            (i as i32, 2, 42)
        );
        set.add(batch).unwrap();
    }
    assert!(set.is_complete());
    let back: Vec<String> = set.accounts().iter().map(render).collect();
    let expected: Vec<String> = drafts[..4].iter().map(render).collect();
    assert_eq!(back, expected);
}
