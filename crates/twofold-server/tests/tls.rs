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
    // Links the server builds from the Host header say https (an enrollment link that said
    // http:// would send the device's enrollment secret in clear).
    let user: serde_json::Value = client
        .post(format!("https://localhost:{port}/protected/json/users/new"))
        .header("X-Authy-API-Key", "tls-test-key")
        .json(&serde_json::json!({"user": {"email": "t@example.com", "cellphone": "7754615609", "country_code": 1}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = user["user"]["id"].as_i64().unwrap();
    let enrollment: serde_json::Value = client
        .post(format!(
            "https://localhost:{port}/protected/json/users/{id}/devices/enrollments"
        ))
        .header("X-Authy-API-Key", "tls-test-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = enrollment["enrollment"]["uri"].as_str().unwrap().to_owned();
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    // Stopped before any assertion can fail (a failed test must not leave the server running).
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP must not be served"
    );
    assert!(
        link.contains(&format!("server=https%3A%2F%2Flocalhost%3A{port}")),
        "{link}"
    );
}
