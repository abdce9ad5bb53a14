//! HTTPS: the real binary with `--tls-cert/--tls-key` (a certificate made for the test with
//! rcgen) answers a client that trusts that certificate, and refuses plain HTTP on that port.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn serves_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert_pem = cert.cert.pem();
    std::fs::write(dir.path().join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_twofold-server"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--database-url")
        .arg(format!(
            "sqlite://{}",
            dir.path().join("db.sqlite").display()
        ))
        .arg("--outbox")
        .arg(dir.path().join("outbox.jsonl"))
        .arg("--tls-cert")
        .arg(dir.path().join("cert.pem"))
        .arg("--tls-key")
        .arg(dir.path().join("key.pem"))
        .env("TWOFOLD_BOOTSTRAP_API_KEY", "tls-test-key")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the server announced itself").unwrap();
        if let Some(url) = line.strip_prefix("twofold-server listening on ") {
            break url.to_owned();
        }
    };
    assert!(url.starts_with("https://"), "{url}");
    let port = url.rsplit(':').next().unwrap().to_owned();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let resp = client
        .get(format!(
            "https://localhost:{port}/protected/json/app/details"
        ))
        .header("X-Authy-API-Key", "tls-test-key")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["app"]["name"], "Default");
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP must not be served"
    );
    let _ = child.kill();
    let _ = child.wait();
}
