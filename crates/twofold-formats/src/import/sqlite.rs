//! Apps' own SQLite databases, as rooted or backed-up Android phones hold them: Google
//! Authenticator (`accounts`: `Issuer:name`, base32 secret, type 0 TOTP / 1 HOTP with counter),
//! Microsoft Authenticator (`accounts` with `oath_secret_key`; its own Microsoft and work
//! accounts, which do not use standard codes, are reported) and Authenticator Pro / Stratum
//! (`authenticator`, categories as tags). The file is copied to a private temporary file and
//! opened read-only; nothing in it is executed.

use rusqlite::{Connection, OpenFlags};

use super::{Entry, Fields, Format, check_count, convert};
use crate::error::{EntryProblem, ImportError};

const MAGIC: &[u8] = b"SQLite format 3\0";

/// Whether the bytes are one of the databases read here, and which.
pub(super) fn detect(bytes: &[u8]) -> Option<Format> {
    if !bytes.starts_with(MAGIC) {
        return None;
    }
    let (_file, db) = open("SQLite database", bytes).ok()?;
    let columns = |table: &str| -> Vec<String> {
        db.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap_or_default()
    };
    let accounts = columns("accounts");
    if accounts.iter().any(|c| c == "oath_secret_key") {
        Some(Format::MicrosoftAuthenticatorDb)
    } else if accounts.iter().any(|c| c == "email") && accounts.iter().any(|c| c == "secret") {
        Some(Format::GoogleAuthenticatorDb)
    } else if columns("authenticator").iter().any(|c| c == "secret") {
        Some(Format::StratumDb)
    } else {
        None
    }
}

/// The database in a private temporary file, opened read-only (the file lives as long as the
/// connection is used).
fn open(
    app: &'static str,
    bytes: &[u8],
) -> Result<(tempfile::NamedTempFile, Connection), ImportError> {
    let io = |e: std::io::Error| ImportError::damaged(app, "the file", e.to_string());
    let mut file = tempfile::NamedTempFile::new().map_err(io)?;
    std::io::Write::write_all(&mut file, bytes).map_err(io)?;
    let db = Connection::open_with_flags(
        file.path(),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| ImportError::damaged(app, "the database", e.to_string()))?;
    // A hostile file must not make SQLite do more than read plain tables.
    let _ = db.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true);
    let _ = db.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA,
        false,
    );
    Ok((file, db))
}

fn rows<T>(
    app: &'static str,
    db: &Connection,
    sql: &str,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, ImportError> {
    let mut statement = db
        .prepare(sql)
        .map_err(|e| ImportError::damaged(app, "the database", e.to_string()))?;
    let out = statement
        .query_map([], map)
        .and_then(|r| r.collect::<Result<Vec<T>, _>>())
        .map_err(|e| ImportError::damaged(app, "the database", e.to_string()))?;
    check_count(app, out.len())?;
    Ok(out)
}

pub(super) fn import_google(bytes: &[u8]) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    const APP: &str = "Google Authenticator";
    let (_file, db) = open(APP, bytes)?;
    let accounts = rows(
        APP,
        &db,
        "SELECT email, secret, counter, type, issuer FROM accounts ORDER BY _id",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        },
    )?;
    let fields = accounts
        .into_iter()
        .map(|(email, secret, counter, kind, issuer)| {
            // `email` is the label, `Issuer:name` when the account has an issuer.
            let (prefix, name) = match email.split_once(':') {
                Some((p, n)) => (p.trim().to_owned(), n.trim().to_owned()),
                None => (String::new(), email.trim().to_owned()),
            };
            let issuer = issuer.filter(|i| !i.trim().is_empty()).unwrap_or(prefix);
            Ok(Fields {
                kind: if kind == Some(1) { "hotp" } else { "totp" }.into(),
                issuer,
                name,
                secret,
                algorithm: String::new(),
                digits: None,
                period: None,
                counter: counter.and_then(|c| u64::try_from(c).ok()),
                tags: Vec::new(),
                favourite: false,
            })
        });
    Ok(convert(fields))
}

pub(super) fn import_microsoft(
    bytes: &[u8],
) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    const APP: &str = "Microsoft Authenticator";
    let (_file, db) = open(APP, bytes)?;
    let accounts = rows(
        APP,
        &db,
        "SELECT name, username, oath_secret_key, account_type FROM accounts ORDER BY _id",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        },
    )?;
    let fields = accounts.into_iter().map(|(issuer, name, secret, kind)| {
        let who = twofold_core::account::display_name(&issuer, &name);
        match kind {
            // Type 0: a third-party account with a standard TOTP seed.
            Some(0) | None => Ok(Fields {
                kind: "totp".into(),
                issuer,
                name,
                secret: secret.unwrap_or_default(),
                algorithm: String::new(),
                digits: None,
                period: None,
                counter: None,
                tags: Vec::new(),
                favourite: false,
            }),
            Some(other) => Err(EntryProblem {
                entry: who,
                field: "account_type",
                problem: format!(
                    "a Microsoft or work account (type {other}) whose sign-in Microsoft handles itself; set up its codes again from the account's security page"
                ),
            }),
        }
    });
    Ok(convert(fields))
}

pub(super) fn import_stratum(bytes: &[u8]) -> Result<(Vec<Entry>, Vec<EntryProblem>), ImportError> {
    const APP: &str = "Authenticator Pro";
    let (_file, db) = open(APP, bytes)?;
    let authenticators = rows(
        APP,
        &db,
        "SELECT type, issuer, username, secret, algorithm, digits, period, counter \
         FROM authenticator ORDER BY ranking",
        |r| {
            Ok(serde_json::json!({
                "Type": r.get::<_, Option<i64>>(0)?.unwrap_or(2),
                "Issuer": r.get::<_, Option<String>>(1)?,
                "Username": r.get::<_, Option<String>>(2)?,
                "Secret": r.get::<_, String>(3)?,
                "Algorithm": r.get::<_, Option<i64>>(4)?.unwrap_or(0),
                "Digits": r.get::<_, Option<i64>>(5)?,
                "Period": r.get::<_, Option<i64>>(6)?,
                "Counter": r.get::<_, Option<i64>>(7)?,
            }))
        },
    )?;
    let categories = rows(APP, &db, "SELECT id, name FROM category", |r| {
        Ok(serde_json::json!({"Id": r.get::<_, String>(0)?, "Name": r.get::<_, Option<String>>(1)?}))
    })
    .unwrap_or_default();
    let members = rows(
        APP,
        &db,
        "SELECT categoryId, authenticatorSecret FROM authenticatorcategory",
        |r| {
            Ok(serde_json::json!({
                "CategoryId": r.get::<_, String>(0)?,
                "AuthenticatorSecret": r.get::<_, String>(1)?,
            }))
        },
    )
    .unwrap_or_default();
    // The same records as the app's JSON backup: read by the same importer.
    let file = serde_json::json!({
        "Authenticators": authenticators,
        "Categories": categories,
        "AuthenticatorCategories": members,
    });
    super::stratum::import(super::Input::Json(file))
}
