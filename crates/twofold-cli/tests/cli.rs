//! End to end: the real `twofold` binary in a temporary directory, as a user or a script drives
//! it. Codes are checked against known answers (RFC 6238/4226, oathtool).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn vault(&self) -> PathBuf {
        self.dir.path().join("vault.tfv")
    }

    /// `twofold` with a passphrase vault and the keychain off.
    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_twofold"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("TWOFOLD_VAULT", self.vault())
            .env("TWOFOLD_PASSPHRASE", "correct horse battery")
            .arg("--no-keychain")
            .stdin(Stdio::null());
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "twofold {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        fails(self.cmd().args(args).output().unwrap(), args)
    }
}

/// Asserts a failure with exactly one line on stderr, and returns that line.
fn fails(out: Output, args: &[&str]) -> String {
    assert!(
        !out.status.success(),
        "twofold {args:?} succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("warning:") && !l.starts_with("twofold: warning:"))
        .collect();
    assert_eq!(lines.len(), 1, "one line of error expected: {err}");
    assert!(lines[0].starts_with("twofold: error: "), "{err}");
    lines[0].to_owned()
}

const RFC_SHA1: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
const RFC_SHA256: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";

#[test]
fn output_cut_short_by_its_reader_ends_quietly() {
    let env = Env::new();
    env.ok(&[
        "add",
        "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
    ]);
    // A pipe whose reader is gone before anything is written (`twofold list | true`).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = env
        .cmd()
        .arg("list")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.is_empty(), "{err}");
    assert_eq!(out.status.code(), Some(141));
}

#[test]
fn add_list_and_code_from_a_uri() {
    let env = Env::new();
    let out = env.ok(&[
        "add",
        "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
    ]);
    assert!(out.contains("Added GitHub (octocat)"), "{out}");
    let list = env.json(&["list"]);
    assert_eq!(list[0]["issuer"], "GitHub");
    assert_eq!(list[0]["account"], "octocat");
    assert!(list[0].get("secret").is_none());
    let code = env.json(&["code", "github", "--at", "59", "--next"]);
    assert_eq!(code["code"], "996554"); // oathtool --totp -N @59 -b JBSWY3DPEHPK3PXP
    assert_eq!(code["seconds_left"], 1);
    assert_eq!(code["next"], "602287");
    let text = env.ok(&["code", "octo", "--at", "59"]);
    assert_eq!(text.trim(), "996 554  GitHub (octocat)  (1s left)");
}

#[test]
fn add_from_flags_rfc6238_sha256() {
    let env = Env::new();
    env.ok(&[
        "add",
        "--issuer",
        "RFC",
        "--account",
        "sha256",
        "--secret",
        RFC_SHA256,
        "--algorithm",
        "sha256",
        "--digits",
        "8",
    ]);
    for (t, want) in [
        ("59", "46119246"),
        ("1111111109", "68084774"),
        ("20000000000", "77737706"),
    ] {
        assert_eq!(env.json(&["code", "rfc", "--at", t])["code"], want, "t={t}");
    }
}

#[test]
fn hotp_code_advances_and_saves_the_counter() {
    let env = Env::new();
    env.ok(&[
        "add", "--issuer", "Yubi", "--secret", RFC_SHA1, "--type", "hotp",
    ]);
    let codes: Vec<Value> = (0..3)
        .map(|_| env.json(&["code", "yubi"])["code"].clone())
        .collect();
    assert_eq!(codes, ["755224", "287082", "359152"]); // RFC 4226
    assert_eq!(env.json(&["list"])[0]["counter"], 3);
}

#[test]
fn bad_input_is_one_line_naming_the_field() {
    let env = Env::new();
    assert!(
        env.fails(&["add", "otpauth://totp/A:b?secret=JBSW0000"])
            .contains("secret:")
    );
    assert!(
        env.fails(&["add", "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&period=0"])
            .contains("period:")
    );
    assert!(
        env.fails(&[
            "add",
            "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=MD5"
        ])
        .contains("algorithm:")
    );
    assert!(
        env.fails(&[
            "add",
            "--issuer",
            "X",
            "--secret",
            "JBSWY3DPEHPK3PXP",
            "--digits",
            "12"
        ])
        .contains("digits:")
    );
    assert!(
        env.fails(&["add", "--issuer", "X"])
            .contains("secret: the secret is required")
    );
    assert!(env.fails(&["add", "https://example.com"]).contains("uri:"));
    assert!(!env.vault().exists() || env.json(&["list"]).as_array().unwrap().is_empty());
}

#[test]
fn duplicates_are_skipped() {
    let env = Env::new();
    let uri = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP";
    env.ok(&["add", uri]);
    let line = env.fails(&["add", uri]);
    assert!(line.contains("already in the vault"), "{line}");
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 1);
}

#[test]
fn ambiguous_and_unknown_queries() {
    let env = Env::new();
    env.ok(&[
        "add",
        "otpauth://totp/Google:work@x.com?secret=JBSWY3DPEHPK3PXP",
    ]);
    env.ok(&[
        "add",
        "otpauth://totp/Google:home@x.com?secret=GEZDGNBVGY3TQOJQ",
    ]);
    let line = env.fails(&["code", "google"]);
    assert!(line.contains("matches 2 accounts"), "{line}");
    assert!(
        env.fails(&["code", "nothing"])
            .contains("no account matches")
    );
    assert_eq!(
        env.json(&["code", "home", "--at", "0"])["account"],
        "home@x.com"
    );
}

fn write_qr(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, twofold_core::qr::encode_png(text, 4).unwrap()).unwrap();
    path
}

#[test]
fn scan_images_including_a_multi_batch_export() {
    let env = Env::new();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../twofold-core/tests/fixtures/migration/multibatch.txt");
    let lines = std::fs::read_to_string(fixtures).unwrap();
    let mut images: Vec<String> = lines
        .lines()
        .enumerate()
        .map(|(i, l)| {
            write_qr(env.dir.path(), &format!("export{i}.png"), l)
                .display()
                .to_string()
        })
        .collect();
    images.push(
        write_qr(
            env.dir.path(),
            "single.png",
            "otpauth://totp/Solo:me?secret=JBSWY3DPEHPK3PXQ",
        )
        .display()
        .to_string(),
    );
    let mut args = vec!["scan"];
    args.extend(images.iter().map(String::as_str));
    // Not interactive and no --yes: shows what it found, adds nothing.
    let line = env.fails(&args);
    assert!(line.contains("--yes"), "{line}");
    assert!(!env.vault().exists());
    args.push("--yes");
    let out = env.ok(&args);
    assert!(out.contains("Found 6 account(s)"), "{out}");
    let list = env.json(&["list"]);
    let names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{}/{}",
                a["issuer"].as_str().unwrap(),
                a["account"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "Solo/me",
            "GitHub/octocat",
            "Example/alice@example.com",
            "Bank/böb",
            "/hotp demo",
            "Microsoft/carol@contoso.com"
        ]
    );
}

#[test]
fn scan_reports_an_incomplete_export_and_images_without_codes() {
    let env = Env::new();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../twofold-core/tests/fixtures/migration/multibatch.txt");
    let first = std::fs::read_to_string(fixtures)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let img = write_qr(env.dir.path(), "part.png", &first);
    let out = env
        .cmd()
        .args(["scan", "--yes", img.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("QR code(s) 2, 3 not scanned"));
    let blank = env.dir.path().join("blank.png");
    std::fs::write(
        &blank,
        twofold_core::qr::encode_png("https://example.com", 3).unwrap(),
    )
    .unwrap();
    let line = fails(
        env.cmd()
            .args(["scan", "--yes", blank.to_str().unwrap()])
            .output()
            .unwrap(),
        &["scan"],
    );
    assert!(line.contains("no 2FA accounts found"), "{line}");
    let missing = fails(
        env.cmd()
            .args(["scan", "--yes", "/nonexistent.png"])
            .output()
            .unwrap(),
        &["scan"],
    );
    assert!(missing.contains("/nonexistent.png"), "{missing}");
}

#[test]
fn rename_and_remove() {
    let env = Env::new();
    env.ok(&["add", "otpauth://totp/Old:name?secret=JBSWY3DPEHPK3PXP"]);
    assert_eq!(
        env.json(&["rename", "old", "--issuer", "New", "--account", "renamed"])["issuer"],
        "New"
    );
    assert!(env.fails(&["rm", "new"]).contains("--yes"));
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 1);
    env.ok(&["rm", "new", "--yes"]);
    assert!(env.json(&["list"]).as_array().unwrap().is_empty());
}

#[test]
fn labels_follow_the_same_rules_as_the_desktop_editor() {
    let env = Env::new();
    env.ok(&["add", "otpauth://totp/Old:name?secret=JBSWY3DPEHPK3PXP"]);
    let empty = env.fails(&["rename", "old", "--issuer", " ", "--account", ""]);
    assert!(
        empty.contains("issuer: give the account an issuer or a name"),
        "{empty}"
    );
    let long = "x".repeat(201);
    let err = env.fails(&["rename", "old", "--account", &long]);
    assert!(err.contains("name: at most 200 characters"), "{err}");
    let err = env.fails(&["add", "--issuer", &long, "--secret", "JBSWY3DPEHPK3PXP"]);
    assert!(err.contains("issuer: at most 200 characters"), "{err}");
    let err = env.fails(&[
        "add",
        "--issuer",
        "Bank",
        "--secret",
        "JBSWY3DPEHPK3PXP",
        "--digits",
        "11",
    ]);
    assert!(err.contains("digits: digits must be from 4 to 10"), "{err}");
    // Nothing changed by the refused edits.
    let list = env.json(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["issuer"], "Old");
}

#[test]
fn show_qr_prints_a_scannable_code_and_the_uri() {
    let env = Env::new();
    let uri = "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub";
    env.ok(&["add", uri]);
    let art = env.ok(&["show-qr", "github"]);
    assert!(art.lines().count() > 15 && art.contains('█'));
    let back = env.ok(&["show-qr", "github", "--uri"]);
    assert!(
        back.trim()
            .starts_with("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub"),
        "{back}"
    );
}

#[test]
fn passphrases_from_env_file_and_changes() {
    let env = Env::new();
    env.ok(&["add", "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP"]);
    let line = fails(
        env.cmd()
            .env("TWOFOLD_PASSPHRASE", "wrong")
            .args(["list"])
            .output()
            .unwrap(),
        &["list"],
    );
    assert!(line.contains("wrong passphrase"), "{line}");
    let line = fails(
        env.cmd()
            .env_remove("TWOFOLD_PASSPHRASE")
            .args(["list"])
            .output()
            .unwrap(),
        &["list"],
    );
    assert!(line.contains("TWOFOLD_PASSPHRASE"), "{line}");
    let file = env.dir.path().join("pass.txt");
    std::fs::write(&file, "correct horse battery\n").unwrap();
    let out = env
        .cmd()
        .env_remove("TWOFOLD_PASSPHRASE")
        .args(["--passphrase-file", file.to_str().unwrap(), "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = env
        .cmd()
        .env("TWOFOLD_NEW_PASSPHRASE", "brand new")
        .args(["passphrase", "set"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        fails(env.cmd().args(["list"]).output().unwrap(), &["list"]).contains("wrong passphrase")
    );
    assert!(
        env.cmd()
            .env("TWOFOLD_PASSPHRASE", "brand new")
            .args(["list"])
            .output()
            .unwrap()
            .status
            .success()
    );
    // Removing the passphrase needs the keychain, which is off here: refused, vault intact.
    let line = fails(
        env.cmd()
            .env("TWOFOLD_PASSPHRASE", "brand new")
            .args(["passphrase", "remove"])
            .output()
            .unwrap(),
        &["remove"],
    );
    assert!(line.contains("keychain"), "{line}");
    assert!(
        env.cmd()
            .env("TWOFOLD_PASSPHRASE", "brand new")
            .args(["list"])
            .output()
            .unwrap()
            .status
            .success()
    );
}

#[test]
fn the_vault_file_holds_no_plaintext() {
    let env = Env::new();
    env.ok(&[
        "add",
        "otpauth://totp/VisibleIssuer:visible-name?secret=JBSWY3DPEHPK3PXP",
    ]);
    let bytes = std::fs::read(env.vault()).unwrap();
    for needle in ["JBSWY3DPEHPK3PXP", "VisibleIssuer", "visible-name"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} in the file"
        );
    }
    assert!(!bytes.windows(10).any(|w| w == b"Hello!\xde\xad\xbe\xef"));
}

#[test]
fn without_a_keychain_a_new_vault_needs_a_passphrase() {
    let env = Env::new();
    let line = fails(
        env.cmd()
            .env_remove("TWOFOLD_PASSPHRASE")
            .args(["add", "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP"])
            .output()
            .unwrap(),
        &["add"],
    );
    assert!(
        line.contains("no keychain") && line.contains("TWOFOLD_PASSPHRASE"),
        "{line}"
    );
    assert!(!env.vault().exists());
}

#[test]
fn missing_vault_is_explained() {
    let env = Env::new();
    assert!(env.fails(&["list"]).contains("no vault at"));
}

/// The OS keychain through a real Secret Service (gnome-keyring inside `dbus-run-session`, as
/// `cargo xtask test` runs it). With `TWOFOLD_TEST_SECRET_SERVICE=1` unset this test cannot
/// reach one and says so instead of passing silently.
#[test]
fn keychain_vault_with_a_real_secret_service() {
    if std::env::var_os("TWOFOLD_TEST_SECRET_SERVICE").is_none() {
        eprintln!(
            "keychain_vault_with_a_real_secret_service: needs `cargo xtask test` (a Secret Service)"
        );
        return;
    }
    let env = Env::new();
    let real = |args: &[&str]| -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_twofold"));
        c.env("TWOFOLD_VAULT", env.vault())
            .env_remove("TWOFOLD_PASSPHRASE")
            .env_remove("TWOFOLD_NO_KEYCHAIN")
            .stdin(Stdio::null());
        c.args(args).output().unwrap()
    };
    let out = real(&["add", "otpauth://totp/Keyring:user?secret=JBSWY3DPEHPK3PXP"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = twofold_core::Vault::inspect(&env.vault()).unwrap();
    assert_eq!(info.mode, twofold_core::KeyMode::Keychain);
    let out = real(&["--json", "code", "keyring", "--at", "59"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"code\":\"996554\""));
    // Move the key behind a passphrase: now the keychain alone no longer opens it.
    let out = Command::new(env!("CARGO_BIN_EXE_twofold"))
        .env("TWOFOLD_VAULT", env.vault())
        .env("TWOFOLD_NEW_PASSPHRASE", "pp")
        .env_remove("TWOFOLD_PASSPHRASE")
        .stdin(Stdio::null())
        .args(["passphrase", "set"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!real(&["list"]).status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_twofold"))
        .env("TWOFOLD_VAULT", env.vault())
        .env("TWOFOLD_PASSPHRASE", "pp")
        .stdin(Stdio::null())
        .args(["passphrase", "remove"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(real(&["list"]).status.success(), "back in the keychain");
    // The same vault without a session bus: the keychain is unreachable, and it says so.
    let empty = env.dir.path().join("no-bus");
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_twofold"))
        .env("TWOFOLD_VAULT", env.vault())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", &empty)
        .stdin(Stdio::null())
        .args(["list"])
        .output()
        .unwrap();
    let line = fails(out, &["list"]);
    assert!(
        line.contains("keychain") && line.contains("not available"),
        "{line}"
    );
}

#[test]
fn push_commands_explain_what_is_missing() {
    let env = Env::new();
    // Nothing enrolled yet.
    assert_eq!(
        env.ok(&["push", "devices"]).trim(),
        "No device is enrolled here."
    );
    assert_eq!(env.json(&["push", "devices"]), serde_json::json!([]));
    let err = env.fails(&["push", "listen"]);
    assert!(err.contains("no device is enrolled here"), "{err}");
    let err = env.fails(&["push", "approve", "6f1c0000-0000-4000-8000-000000000000"]);
    assert!(err.contains("twofold push enroll"), "{err}");
    // A wrong link names its part; neither an image nor a link says so.
    let err = env.fails(&["push", "enroll", "twofold://enroll?id=a&secret=AAAA"]);
    assert!(err.contains("enrollment link: server: is missing"), "{err}");
    let err = env.fails(&["push", "enroll", "no-such-file.png"]);
    assert!(
        err.contains("neither a twofold://enroll link nor a readable image"),
        "{err}"
    );
    // Without a keychain the device key has nowhere to go: refused before the server is asked
    // (this server address would refuse the connection).
    let err = env.fails(&[
        "push",
        "enroll",
        "twofold://enroll?server=http%3A%2F%2F127.0.0.1%3A9&id=a&secret=AAAA",
    ]);
    assert!(err.contains("OS keychain, which is not available"), "{err}");
}

/// A full disk while saving (on the small file system `cargo xtask test` mounts): a one-line
/// error that says so, the vault and its `.bak` exactly as they were, no temporary file left
/// taking space; once space returns the same command works.
#[test]
fn a_full_disk_leaves_the_vault_as_it_was() {
    let Some(disk) = std::env::var_os("TWOFOLD_TEST_SMALL_DISK") else {
        eprintln!(
            "a_full_disk_leaves_the_vault_as_it_was: needs `cargo xtask test` (a small disk)"
        );
        return;
    };
    let env = Env {
        dir: tempfile::tempdir_in(&disk).unwrap(),
    };
    env.ok(&["add", "otpauth://totp/Before:one?secret=JBSWY3DPEHPK3PXP"]);
    env.ok(&["add", "otpauth://totp/Before:two?secret=GEZDGNBVGY3TQOJQ"]);
    let bak = env.dir.path().join("vault.tfv.bak");
    let (vault_before, bak_before) = (
        std::fs::read(env.vault()).unwrap(),
        std::fs::read(&bak).unwrap(),
    );
    // Every free byte taken (dd stops at "No space left on device").
    let filler = env.dir.path().join("filler");
    let _ = Command::new("dd")
        .arg("if=/dev/zero")
        .arg(format!("of={}", filler.display()))
        .arg("bs=64k")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let line = env.fails(&["add", "otpauth://totp/During:three?secret=MFRGGZDFMZTWQ2LK"]);
    assert!(
        line.contains("disk is full") && line.contains("not changed"),
        "{line}"
    );
    assert_eq!(std::fs::read(env.vault()).unwrap(), vault_before);
    assert_eq!(std::fs::read(&bak).unwrap(), bak_before);
    for leftover in ["vault.tfv.tmp", "vault.tfv.bak.tmp"] {
        assert!(
            !env.dir.path().join(leftover).exists(),
            "{leftover} left behind"
        );
    }
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 2);
    // Space returns.
    std::fs::remove_file(&filler).unwrap();
    env.ok(&["add", "otpauth://totp/During:three?secret=MFRGGZDFMZTWQ2LK"]);
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 3);
}

#[cfg(unix)]
#[test]
fn the_default_vault_directory_is_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let data = env.dir.path().join("data");
    let mode_of = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let run = |args: &[&str]| {
        let mut c = env.cmd();
        c.env_remove("TWOFOLD_VAULT").env("XDG_DATA_HOME", &data);
        c.args(args);
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Created private, with the vault inside.
    run(&["add", "otpauth://totp/Acme:a?secret=JBSWY3DPEHPK3PXP"]);
    let app_dir = data.join("dev.twofold.app");
    assert_eq!(mode_of(&app_dir), 0o700);
    assert!(app_dir.join("vault.tfv").is_file());
    // A folder an earlier version left open to others is narrowed.
    std::fs::set_permissions(&app_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    run(&["list"]);
    assert_eq!(mode_of(&app_dir), 0o700);
}

/// A fixture of twofold-formats' tests (built by its independent Python scripts).
fn export_file(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../twofold-formats/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn import_lists_its_formats() {
    let env = Env::new();
    let text = env.ok(&["import", "--list-formats"]);
    for id in [
        "aegis",
        "2fas",
        "andotp",
        "bitwarden-csv",
        "proton",
        "otpauth",
    ] {
        assert!(text.contains(&format!("  {id} ")), "{text}");
    }
    let json = env.json(&["import", "--list-formats"]);
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|f| f["format"] == "aegis")
    );
    assert!(!env.vault().exists(), "listing formats makes no vault");
}

#[test]
fn import_previews_confirms_and_reports() {
    let env = Env::new();
    let password = env.dir.path().join("export-password");
    std::fs::write(&password, "correct horse battery\n").unwrap();
    let password = password.display().to_string();
    let aegis = export_file("aegis/encrypted.json");

    // Encrypted, no password and no terminal to ask on: one line, nothing made.
    let err = env.fails(&["import", &aegis, "--yes"]);
    assert!(
        err.contains("Aegis: this export is encrypted; pass --password-file"),
        "{err}"
    );
    assert!(!env.vault().exists());

    // A wrong password is its own error.
    let wrong = env.dir.path().join("wrong");
    std::fs::write(&wrong, "nope\n").unwrap();
    let err = env.fails(&[
        "import",
        &aegis,
        "--password-file",
        wrong.to_str().unwrap(),
        "--yes",
    ]);
    assert!(err.contains("Aegis: wrong password"), "{err}");

    // The dry run shows what would come in, and changes nothing.
    let preview = env.json(&["import", &aegis, "--password-file", &password, "--dry-run"]);
    assert_eq!(preview["files"][0]["format"], "aegis");
    assert_eq!(preview["accounts"].as_array().unwrap().len(), 5);
    assert_eq!(preview["problems"].as_array().unwrap().len(), 2);
    assert_eq!(preview["problems"][1]["field"], "algorithm");
    assert!(!env.vault().exists());

    // Without --yes and no terminal: refused.
    let err = env.fails(&["import", &aegis, "--password-file", &password]);
    assert!(err.contains("pass --yes"), "{err}");

    let report = env.json(&["import", &aegis, "--password-file", &password, "--yes"]);
    assert_eq!(report["added"].as_array().unwrap().len(), 5);
    assert_eq!(report["problems"][0]["entry"], "Old VPN (dave)");
    let list = env.json(&["list"]);
    let github = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["issuer"] == "GitHub")
        .unwrap();
    assert_eq!(github["tags"], serde_json::json!(["Work"]));
    assert_eq!(github["pinned"], true);
    // The imported secret makes oathtool's code (oathtool --totp -N @59 -b JBSWY3DPEHPK3PXP).
    assert_eq!(
        env.json(&["code", "GitHub", "--at", "59"])["code"],
        "996554"
    );

    // The same secrets from another app (Duo names no issuer) are duplicates.
    let preview = env.json(&["import", &export_file("apps/duo.json"), "--dry-run"]);
    assert_eq!(
        preview["accounts"][0]["duplicate_of"],
        serde_json::json!({"in_vault": "GitHub (octocat)"})
    );
    let err = env.fails(&["import", &export_file("apps/duo.json"), "--yes"]);
    assert!(err.contains("nothing to import"), "{err}");
}

#[test]
fn import_of_duplicates_only_and_of_a_bad_file_adds_nothing() {
    let env = Env::new();
    env.ok(&[
        "add",
        "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
    ]);
    let before = std::fs::read(env.vault()).unwrap();
    // Two files, the second not an export: nothing from the first is added either.
    let garbage = env.dir.path().join("notes.txt");
    std::fs::write(&garbage, "my shopping list\n").unwrap();
    let err = env.fails(&[
        "import",
        &export_file("apps/2fas-plain.2fas"),
        garbage.to_str().unwrap(),
        "--yes",
    ]);
    assert!(
        err.contains("notes.txt: nothing was imported: this is not an export"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(env.vault()).unwrap(),
        before,
        "the vault is untouched"
    );

    let text = env.ok(&["import", &export_file("apps/2fas-plain.2fas"), "--yes"]);
    assert!(
        text.contains("= GitHub (octocat)  (already in the vault as GitHub (octocat))"),
        "{text}"
    );
    assert!(
        text.contains("Imported 4 account(s); 1 skipped as duplicates; 1 not importable."),
        "{text}"
    );
    assert!(
        text.contains("not imported: Legacy (erin): algorithm:"),
        "{text}"
    );
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 5);

    // Everything there already: said, and an error for scripts.
    let err = env.fails(&["import", &export_file("apps/lastpass.json"), "--yes"]);
    assert!(err.contains("nothing to import"), "{err}");
}

#[test]
fn import_with_a_named_format_reads_andotps_oldest_layout() {
    let env = Env::new();
    let password = env.dir.path().join("pw");
    std::fs::write(&password, "correct horse battery").unwrap();
    let old = export_file("apps/andotp-encrypted-old.json.aes");
    let err = env.fails(&["import", &old, "--yes"]);
    assert!(err.contains("not an export Twofold can read"), "{err}");
    let err = env.fails(&["import", &old, "--format", "nope", "--yes"]);
    assert!(
        err.contains("--format: `nope` is not a format Twofold reads"),
        "{err}"
    );
    let report = env.json(&[
        "import",
        &old,
        "--format",
        "andotp",
        "--password-file",
        password.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(report["added"].as_array().unwrap().len(), 5);
}

#[test]
fn a_backup_restores_into_another_vault_with_everything() {
    let home = Env::new();
    home.ok(&[
        "add",
        "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
    ]);
    home.ok(&[
        "add",
        "otpauth://hotp/Forge:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Forge&counter=7",
    ]);
    let password = home.dir.path().join("backup-password");
    std::fs::write(&password, "a different passphrase\n").unwrap();
    let backup = home.dir.path().join("accounts.twofold-backup");
    let err = home.fails(&[
        "export",
        "--format",
        "twofold",
        "-o",
        backup.to_str().unwrap(),
    ]);
    assert!(err.contains("pass --password-file"), "{err}");
    let out = home.json(&[
        "export",
        "--format",
        "twofold",
        "-o",
        backup.to_str().unwrap(),
        "--password-file",
        password.to_str().unwrap(),
    ]);
    assert_eq!(out["accounts"], 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&backup).unwrap();
    assert!(
        !text.contains("JBSWY3DPEHPK3PXP") && !text.contains("GitHub"),
        "encrypted"
    );

    // Another machine: a new vault under another passphrase, no keychain.
    let laptop = Env::new();
    let err = laptop.fails(&["import", backup.to_str().unwrap(), "--yes"]);
    assert!(
        err.contains("Twofold backup: this export is encrypted"),
        "{err}"
    );
    let report = laptop.json(&[
        "import",
        backup.to_str().unwrap(),
        "--password-file",
        password.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(report["added"].as_array().unwrap().len(), 2);
    let strip = |v: Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a.as_object_mut().unwrap().remove("id");
                a
            })
            .collect()
    };
    assert_eq!(strip(laptop.json(&["list"])), strip(home.json(&["list"])));
    assert_eq!(
        laptop.json(&["code", "GitHub", "--at", "59"])["code"],
        "996554"
    );
    // The HOTP counter came across: the next code is counter 7's (RFC 4226 vector).
    assert_eq!(laptop.json(&["code", "Forge"])["code"], "162583");
}

#[test]
fn plain_exports_warn_and_never_overwrite() {
    let env = Env::new();
    env.ok(&[
        "add",
        "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
    ]);
    let out = env.dir.path().join("accounts.txt");
    let cmd = env
        .cmd()
        .args(["export", "--format", "otpauth", "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!cmd.status.success());
    let err = String::from_utf8_lossy(&cmd.stderr);
    assert!(
        err.contains("is not encrypted: anyone who reads the file has"),
        "{err}"
    );
    assert!(err.contains("pass --yes"), "{err}");
    assert!(!out.exists());
    env.ok(&[
        "export",
        "--format",
        "otpauth",
        "-o",
        out.to_str().unwrap(),
        "--yes",
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP"),
        "{text}"
    );
    let err = env.fails(&[
        "export",
        "--format",
        "aegis-plain",
        "-o",
        out.to_str().unwrap(),
        "--yes",
    ]);
    assert!(err.contains("exists; choose a new file"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    let err = env.fails(&["export", "--format", "keepass", "-o", "x", "--yes"]);
    assert!(
        err.contains("`keepass` is not a format Twofold writes"),
        "{err}"
    );
}

#[test]
fn google_qr_export_scans_back_in_numbered_codes() {
    let env = Env::new();
    let secrets = [
        "JBSWY3DPEHPK3PXP",
        "GEZDGNBVGY3TQOJQ",
        "MFRGGZDFMZTWQ2LK",
        "KRSXG5CTMVRXEZLU",
        "ONSWG4TFOQ======",
        "MZXW6YTBOI======",
        "NBSWY3DPO5XXE3DE",
        "GE2DGNBVGY3TQOJQ",
        "MRQWYZLNMVXGK4TB",
        "OBQXG43XN5ZGI===",
        "NF2GKZLTORSW4ZLN",
        "MNUGK4TSPEZA====",
    ];
    for (i, s) in secrets.iter().enumerate() {
        env.ok(&[
            "add",
            &format!("otpauth://totp/Site{i}:user?secret={s}&issuer=Site{i}"),
        ]);
    }
    let out = env.dir.path().join("google.png");
    let result = env.json(&[
        "export",
        "--format",
        "google-qr",
        "-o",
        out.to_str().unwrap(),
        "--yes",
    ]);
    let files: Vec<String> = result["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(files.len(), 2, "ten accounts a code");
    assert!(files[0].ends_with("google-1.png") && files[1].ends_with("google-2.png"));
    // ZBar reads them; another vault scans both and has all twelve.
    for f in &files {
        let z = Command::new("zbarimg")
            .args(["--quiet", "--raw", f])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&z.stdout).starts_with("otpauth-migration://offline?data=")
        );
    }
    let other = Env::new();
    let mut args = vec!["scan", "--yes"];
    args.extend(files.iter().map(String::as_str));
    other.ok(&args);
    assert_eq!(other.json(&["list"]).as_array().unwrap().len(), 12);
}

/// A private session bus with its own, new gnome-keyring (another computer's keychain); killed
/// when dropped.
struct FreshKeyring {
    bus: std::process::Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl FreshKeyring {
    fn start() -> Self {
        use std::io::{BufRead, BufReader, Write};
        let dir = tempfile::tempdir().unwrap();
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon runs");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .env_remove("GNOME_KEYRING_CONTROL")
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_RUNTIME_DIR", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        keyring.stdin.take().unwrap().write_all(b"pw").unwrap();
        keyring.wait().unwrap();
        Self {
            bus,
            address,
            _dir: dir,
        }
    }
}

impl Drop for FreshKeyring {
    fn drop(&mut self) {
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// The recovery key in a real Secret Service: a keychain vault's entry wiped (what a keychain
/// reset does) is named and recovered from; a typo in the key is caught by its checksum and a
/// wrong key changes nothing; then another computer (new HOME, a fresh keyring on its own bus)
/// gets the vault back twice over: the vault file with the recovery key, and a fresh install
/// from an automatic backup — every account identical.
#[test]
fn recovery_key_and_backups_through_a_real_secret_service() {
    if std::env::var_os("TWOFOLD_TEST_SECRET_SERVICE").is_none() {
        eprintln!(
            "recovery_key_and_backups_through_a_real_secret_service: needs `cargo xtask test`"
        );
        return;
    }
    let env = Env::new();
    let real = |vault: &Path, bus: Option<&str>, extra: &[(&str, &str)], args: &[&str]| -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_twofold"));
        c.env("TWOFOLD_VAULT", vault)
            .env_remove("TWOFOLD_PASSPHRASE")
            .env_remove("TWOFOLD_NO_KEYCHAIN")
            .stdin(Stdio::null());
        if let Some(address) = bus {
            c.env("DBUS_SESSION_BUS_ADDRESS", address);
        }
        for (k, v) in extra {
            c.env(k, v);
        }
        c.args(args).output().unwrap()
    };
    let ok = |out: Output| -> String {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let vault = env.vault();
    for uri in [
        "otpauth://totp/Keyring:user?secret=JBSWY3DPEHPK3PXP",
        "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=3",
    ] {
        ok(real(&vault, None, &[], &["add", uri]));
    }
    let key: Value =
        serde_json::from_str(&ok(real(&vault, None, &[], &["--json", "recovery-key"]))).unwrap();
    let key = key["recovery_key"].as_str().unwrap().to_owned();
    let listed = ok(real(&vault, None, &[], &["--json", "list"]));
    // The automatic backup after the recovery key was made.
    let backups: Value =
        serde_json::from_str(&ok(real(&vault, None, &[], &["--json", "backup", "list"]))).unwrap();
    assert!(backups["last_success"]["file"].is_string(), "{backups}");
    let backup_file = backups["last_success"]["file"].as_str().unwrap().to_owned();

    // The keychain entry wiped.
    let id = twofold_core::Vault::inspect(&vault).unwrap().vault_id;
    twofold_core::keychain::KeyStore::delete(
        &twofold_core::keychain::Keychain::open_os().unwrap(),
        &id,
    )
    .unwrap();
    let line = fails(real(&vault, None, &[], &["list"]), &["list"]);
    assert!(
        line.contains("no key") && line.contains("recovery key"),
        "{line}"
    );
    // A typo, then a wrong key: refused, nothing written.
    let before = std::fs::read(&vault).unwrap();
    let mut typo = key.clone().into_bytes();
    typo[5] = if typo[5] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    let line = fails(
        real(
            &vault,
            None,
            &[("TWOFOLD_RECOVERY_KEY", &typo)],
            &["recover"],
        ),
        &["recover"],
    );
    assert!(line.contains("typo"), "{line}");
    let wrong = "0000-0000-0000-0000-0000-0000-0000-0000-0000";
    let out = real(
        &vault,
        None,
        &[("TWOFOLD_RECOVERY_KEY", wrong)],
        &["recover"],
    );
    assert!(!out.status.success());
    assert_eq!(std::fs::read(&vault).unwrap(), before);
    // The right key: every account back, the new key in the keychain.
    ok(real(
        &vault,
        None,
        &[("TWOFOLD_RECOVERY_KEY", &key)],
        &["recover"],
    ));
    assert_eq!(ok(real(&vault, None, &[], &["--json", "list"])), listed);
    let code = ok(real(
        &vault,
        None,
        &[],
        &["--json", "code", "keyring", "--at", "59"],
    ));
    assert!(code.contains("\"code\":\"996554\""), "{code}");

    // Another computer: a fresh keyring on its own bus and a new HOME.
    let other = FreshKeyring::start();
    let home = tempfile::tempdir().unwrap();
    let copied = home.path().join("vault.tfv");
    std::fs::copy(&vault, &copied).unwrap();
    let bus = Some(other.address.as_str());
    let home_env = [("HOME", home.path().to_str().unwrap())];
    let line = fails(real(&copied, bus, &home_env, &["list"]), &["list"]);
    assert!(line.contains("recovery key"), "{line}");
    let with_key = [home_env[0], ("TWOFOLD_RECOVERY_KEY", key.as_str())];
    ok(real(&copied, bus, &with_key, &["recover"]));
    assert_eq!(
        ok(real(&copied, bus, &home_env, &["--json", "list"])),
        listed
    );
    // And a fresh install restored from the backup file alone.
    let restored = home.path().join("restored.tfv");
    let out = ok(real(
        &restored,
        bus,
        &with_key,
        &["--json", "backup", "restore", &backup_file],
    ));
    assert!(out.contains("\"restored\":2"), "{out}");
    assert_eq!(
        ok(real(&restored, bus, &home_env, &["--json", "list"])),
        listed
    );
    for vault in [&copied, &restored] {
        let code = ok(real(
            vault,
            bus,
            &home_env,
            &["--json", "code", "keyring", "--at", "59"],
        ));
        assert!(code.contains("\"code\":\"996554\""), "{code}");
        let code = ok(real(vault, bus, &home_env, &["--json", "code", "bank"]));
        assert!(
            code.contains("\"code\":\"969429\""),
            "RFC 4226 counter 3: {code}"
        );
    }
}

#[test]
fn a_day_old_backup_is_renewed_by_a_command_that_only_reads() {
    let env = Env::new();
    env.ok(&[
        "add",
        "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP",
    ]);
    // A recovery key: from now on backups can be written (the first at once).
    env.ok(&["recovery-key"]);
    let files = |env: &Env| {
        env.json(&["backup", "list"])["files"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(files(&env), 1);
    env.ok(&["list"]);
    env.ok(&["code", "Example"]);
    assert_eq!(files(&env), 1, "nothing changed and the backup is fresh");
    // Two days pass (the record says so): the next command that opens the vault backs up.
    let mut name = env.vault().file_name().unwrap().to_os_string();
    name.push(".backups.json");
    let record_path = env.vault().with_file_name(name);
    let mut record: Value = serde_json::from_slice(&std::fs::read(&record_path).unwrap()).unwrap();
    let at = record["status"]["last_success"]["at"].as_u64().unwrap();
    record["status"]["last_success"]["at"] = (at - 2 * 86_400).into();
    std::fs::write(&record_path, serde_json::to_vec(&record).unwrap()).unwrap();
    env.ok(&["list"]);
    assert_eq!(files(&env), 2);
    env.ok(&["code", "Example"]);
    assert_eq!(files(&env), 2);
}
