//! `twofold export`: the vault's accounts (or those matching a query) in Twofold's backup or
//! another app's format. Encrypted formats take a password (asked twice, or from a file); plain
//! ones warn first and need a yes. Files are new (never overwritten) and readable by the user
//! only.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use twofold_core::{OsEntropy, Secret};
use twofold_formats::{ExportFormat, Output, export};

use crate::args::ExportArgs;
use crate::commands::confirm;
use crate::output::print_json;
use crate::session::{Session, read_passphrase_file};

pub fn run(session: &Session, args: ExportArgs, json: bool) -> Result<()> {
    let format = ExportFormat::from_id(&args.format).with_context(|| {
        let ids: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.id()).collect();
        format!(
            "--format: `{}` is not a format Twofold writes ({})",
            args.format,
            ids.join(", ")
        )
    })?;
    if args.output.exists() {
        bail!(
            "--output: {} exists; choose a new file (an export never overwrites one)",
            args.output.display()
        );
    }
    let (_, contents) = session.open()?;
    let accounts: Vec<_> = match &args.accounts {
        Some(q) => contents.search(q).into_iter().cloned().collect(),
        None => contents.accounts.clone(),
    };
    if accounts.is_empty() {
        bail!("no accounts to export");
    }
    let password = if format.encrypted() {
        Some(password(args.password_file.as_deref())?)
    } else {
        warn_plain(format, accounts.len(), args.yes)?;
        None
    };
    let exported = export(
        format,
        &accounts,
        password.as_ref(),
        &mut OsEntropy,
        session.now(),
    )?;
    let written = match exported.output {
        Output::File(bytes) => {
            write_private(&args.output, &bytes)?;
            vec![args.output.clone()]
        }
        Output::Links(links) => {
            let svg = args
                .output
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
            let mut files = Vec::new();
            for (i, link) in links.iter().enumerate() {
                let path = numbered(&args.output, i, links.len());
                let image = if svg {
                    twofold_core::qr::encode_svg(link)?.into_bytes()
                } else {
                    twofold_core::qr::encode_png(link, 6)?
                };
                write_private(&path, &image)?;
                files.push(path);
            }
            files
        }
    };
    let exported_count = accounts.len() - exported.skipped.len();
    if json {
        print_json(&serde_json::json!({
            "format": format.id(),
            "files": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "accounts": exported_count,
            "skipped": exported.skipped.iter().map(|p| serde_json::json!({
                "entry": p.entry, "field": p.field, "problem": p.problem,
            })).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    for path in &written {
        println!("Wrote {}", path.display());
    }
    println!("Exported {exported_count} account(s) as {}.", format.name());
    for p in &exported.skipped {
        println!("  left out {p}");
    }
    if format == ExportFormat::GoogleMigration && written.len() > 1 {
        println!(
            "Scan the {} codes in order with Google Authenticator's \"Import accounts\".",
            written.len()
        );
    }
    Ok(())
}

/// The export's password: from the file, else asked twice on the terminal.
fn password(file: Option<&Path>) -> Result<Secret> {
    if let Some(f) = file {
        return read_passphrase_file(f).context("--password-file");
    }
    if !std::io::stdin().is_terminal() {
        bail!("an encrypted export needs a password: pass --password-file");
    }
    let first = rpassword::prompt_password("Password for the export: ")?;
    if first.is_empty() {
        bail!("the password must not be empty");
    }
    let second = rpassword::prompt_password("Repeat it: ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(Secret::new(first.into_bytes()))
}

/// A plain export holds every secret readable: said first, and confirmed.
fn warn_plain(format: ExportFormat, count: usize, yes: bool) -> Result<()> {
    eprintln!(
        "warning: a {} export is not encrypted: anyone who reads the file has the {count} \
         account(s)' secrets and can make their codes. Keep it off shared and synced folders, \
         and delete it once imported.",
        format.name()
    );
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("not writing an unencrypted export without confirmation: pass --yes");
    }
    if !confirm("Write it? [y/N] ")? {
        bail!("cancelled");
    }
    Ok(())
}

/// `export.png` for one file; `export-1.png`, `export-2.png`, … for several.
fn numbered(path: &Path, index: usize, count: usize) -> PathBuf {
    if count == 1 {
        return path.to_owned();
    }
    let stem = path
        .file_stem()
        .map_or_else(|| "export".into(), |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{}.{}", index + 1, ext.to_string_lossy()),
        None => format!("{stem}-{}", index + 1),
    };
    path.with_file_name(name)
}

/// Writes a new file readable and writable by the user only (never over an existing one).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    twofold_core::vault::write_new_private(path, bytes)
        .with_context(|| format!("writing {}", path.display()))
}
