//! Known answers for the OTP generators: RFC 4226 (HOTP), RFC 6238 (TOTP, SHA1/256/512) and Steam
//! Guard, plus property tests against two independent implementations: `oathtool` (a separate
//! C program) and `totp-rs`.

use std::process::Command;

use base64::Engine;
use proptest::prelude::*;
use twofold_core::otp::{Algorithm, Method, OtpParams};

const SHA1_SEED: &[u8] = b"12345678901234567890";
const SHA256_SEED: &[u8] = b"12345678901234567890123456789012";
const SHA512_SEED: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fn check_totp(alg: Algorithm, seed: &[u8], time: u64, want: &str) {
    let p = OtpParams::new(Method::Totp { period: 30 }, alg, 8).unwrap();
    assert_eq!(p.code_at(seed, time).as_str(), want, "{alg} at {time}");
}

fn check_hotp(counter: u64, want: &str) {
    let p = OtpParams::new(Method::Hotp { counter }, Algorithm::Sha1, 6).unwrap();
    assert_eq!(p.code_at(SHA1_SEED, 0).as_str(), want, "counter {counter}");
}

fn check_steam(secret_b64: &str, time: u64, want: &str) {
    let seed = base64::engine::general_purpose::STANDARD
        .decode(secret_b64)
        .unwrap();
    let p = OtpParams::new(Method::Steam { period: 30 }, Algorithm::Sha1, 5).unwrap();
    assert_eq!(p.code_at(&seed, time).as_str(), want, "steam at {time}");
}

// RFC 4226 Appendix D.
#[test]
fn rfc4226_counter_0() {
    check_hotp(0, "755224")
}
#[test]
fn rfc4226_counter_1() {
    check_hotp(1, "287082")
}
#[test]
fn rfc4226_counter_2() {
    check_hotp(2, "359152")
}
#[test]
fn rfc4226_counter_3() {
    check_hotp(3, "969429")
}
#[test]
fn rfc4226_counter_4() {
    check_hotp(4, "338314")
}
#[test]
fn rfc4226_counter_5() {
    check_hotp(5, "254676")
}
#[test]
fn rfc4226_counter_6() {
    check_hotp(6, "287922")
}
#[test]
fn rfc4226_counter_7() {
    check_hotp(7, "162583")
}
#[test]
fn rfc4226_counter_8() {
    check_hotp(8, "399871")
}
#[test]
fn rfc4226_counter_9() {
    check_hotp(9, "520489")
}

// RFC 6238 Appendix B.
#[test]
fn rfc6238_sha1() {
    for (t, code) in [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ] {
        check_totp(Algorithm::Sha1, SHA1_SEED, t, code);
    }
}

#[test]
fn rfc6238_sha256() {
    for (t, code) in [
        (59, "46119246"),
        (1111111109, "68084774"),
        (1111111111, "67062674"),
        (1234567890, "91819424"),
        (2000000000, "90698825"),
        (20000000000, "77737706"),
    ] {
        check_totp(Algorithm::Sha256, SHA256_SEED, t, code);
    }
}

#[test]
fn rfc6238_sha512() {
    for (t, code) in [
        (59, "90693936"),
        (1111111109, "25091201"),
        (1111111111, "99943326"),
        (1234567890, "93441116"),
        (2000000000, "38618901"),
        (20000000000, "47863826"),
    ] {
        check_totp(Algorithm::Sha512, SHA512_SEED, t, code);
    }
}

// Steam Guard: the public test secret used by the steam-totp libraries.
#[test]
fn steam_at_epoch() {
    check_steam("cnOgv/KdpLoP6Nbh0GMkXkPXALQ=", 0, "W3J46")
}
#[test]
fn steam_at_1500000000() {
    check_steam("cnOgv/KdpLoP6Nbh0GMkXkPXALQ=", 1_500_000_000, "Q9JC4")
}
#[test]
fn steam_at_1700000000() {
    check_steam("cnOgv/KdpLoP6Nbh0GMkXkPXALQ=", 1_700_000_000, "X45RP")
}
#[test]
fn steam_at_1893456000() {
    check_steam("cnOgv/KdpLoP6Nbh0GMkXkPXALQ=", 1_893_456_000, "PJ4MJ")
}

#[test]
fn six_digit_codes_keep_leading_zeros() {
    // RFC 6238 SHA1 at 1111111109 is 07081804; its last six digits are 081804.
    let p = OtpParams::new(Method::Totp { period: 30 }, Algorithm::Sha1, 6).unwrap();
    assert_eq!(p.code_at(SHA1_SEED, 1111111109).as_str(), "081804");
}

fn oathtool_available() -> bool {
    Command::new("oathtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn oathtool_totp(seed: &[u8], alg: Algorithm, digits: u8, period: u32, time: u64) -> String {
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    let mode = match alg {
        Algorithm::Sha1 => "--totp=sha1",
        Algorithm::Sha256 => "--totp=sha256",
        Algorithm::Sha512 => "--totp=sha512",
    };
    let (digits, period, time) = (digits.to_string(), format!("{period}s"), format!("@{time}"));
    let out = Command::new("oathtool")
        .args([mode, "-d", &digits, "-s", &period, "-N", &time, &hex])
        .output()
        .expect("oathtool runs");
    assert!(
        out.status.success(),
        "oathtool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn oathtool_hotp(seed: &[u8], digits: u8, counter: u64) -> String {
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    let out = Command::new("oathtool")
        .args([
            "--hotp",
            "-d",
            &digits.to_string(),
            "-c",
            &counter.to_string(),
            &hex,
        ])
        .output()
        .expect("oathtool runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

#[test]
fn oathtool_is_installed() {
    // The property tests below need it; `cargo xtask test` installs the Debian package.
    assert!(
        oathtool_available(),
        "oathtool is not installed (apt-get install oathtool)"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn totp_matches_oathtool(
        seed in proptest::collection::vec(any::<u8>(), 10..64),
        alg in algorithm(),
        digits in 6u8..=8,
        period in prop_oneof![Just(30u32), Just(60), Just(15), 1u32..=300],
        // oathtool's date parsing stops at year 9999.
        time in 0u64..253_402_300_799,
    ) {
        let p = OtpParams::new(Method::Totp { period }, alg, digits).unwrap();
        let ours = p.code_at(&seed, time);
        prop_assert_eq!(ours.to_string(), oathtool_totp(&seed, alg, digits, period, time));
    }

    #[test]
    fn hotp_matches_oathtool(
        seed in proptest::collection::vec(any::<u8>(), 10..64),
        digits in 6u8..=8,
        counter in prop_oneof![0u64..1000, any::<u32>().prop_map(u64::from)],
    ) {
        let p = OtpParams::new(Method::Hotp { counter }, Algorithm::Sha1, digits).unwrap();
        prop_assert_eq!(p.code_at(&seed, 0).to_string(), oathtool_hotp(&seed, digits, counter));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn totp_matches_totp_rs(
        seed in proptest::collection::vec(any::<u8>(), 1..100),
        alg in algorithm(),
        digits in 6u8..=8,
        period in 1u32..=3600,
        time in any::<u64>().prop_map(|t| t >> 16),
    ) {
        let p = OtpParams::new(Method::Totp { period }, alg, digits).unwrap();
        let oracle = totp_rs::Builder::new()
            .with_algorithm(match alg {
                Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
                Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
                Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
            })
            .with_digits(digits)
            .with_step_duration(u64::from(period))
            .with_secret(seed.clone())
            .build_noncompliant();
        prop_assert_eq!(p.code_at(&seed, time).to_string(), oracle.generate(time).to_string());
    }

    #[test]
    fn steam_matches_totp_rs(
        seed in proptest::collection::vec(any::<u8>(), 1..64),
        time in any::<u64>().prop_map(|t| t >> 16),
    ) {
        let p = OtpParams::new(Method::Steam { period: 30 }, Algorithm::Sha1, 5).unwrap();
        let oracle = totp_rs::Builder::new_steam().with_secret(seed.clone()).build_noncompliant();
        prop_assert_eq!(p.code_at(&seed, time).to_string(), oracle.generate(time).to_string());
    }
}
