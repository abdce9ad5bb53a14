//! `twofold import`: other authenticators' export files read (format told from the content,
//! a password asked for or read from a file when one is encrypted), a preview with duplicates
//! marked, confirmation, then every entry added in one save and a report. A file that cannot be
//! read stops the import before anything is added.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use twofold_core::{Contents, Secret};
use twofold_formats::import::MAX_FILE_BYTES;
use twofold_formats::{
    Duplicate, Entry, EntryProblem, Format, ImportError, Imported, Preview, Report,
};

use crate::args::ImportArgs;
use crate::commands::confirm;
use crate::output::print_json;
use crate::session::{Session, read_passphrase_file};

pub fn run(session: &Session, args: ImportArgs, json: bool) -> Result<()> {
    if args.list_formats {
        list_formats(json);
        return Ok(());
    }
    let password = args
        .password_file
        .as_deref()
        .map(read_passphrase_file)
        .transpose()
        .context("--password-file")?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut problems: Vec<EntryProblem> = Vec::new();
    let mut files = Vec::new();
    for path in &args.files {
        let imported = read_file(path, args.format.as_deref(), password.as_ref())
            .with_context(|| format!("{}: nothing was imported", path.display()))?;
        files.push((path.clone(), imported.format, imported.entries.len()));
        entries.extend(imported.entries);
        // With several files, each problem says which file it is in.
        problems.extend(imported.problems.into_iter().map(|mut p| {
            if args.files.len() > 1 {
                p.entry = format!("{}: {}", file_name(path), p.entry);
            }
            p
        }));
    }
    // The vault as it is, for the duplicates; a vault not made yet has none.
    let contents = if session.path.exists() {
        session.open()?.1
    } else {
        Contents::default()
    };
    let preview = twofold_formats::preview(&contents, &entries);
    let new = preview.iter().filter(|p| p.duplicate_of.is_none()).count();
    if json && args.dry_run {
        print_json(&preview_json(&files, &preview, &problems));
        return Ok(());
    }
    if !json || !args.yes {
        print_preview(&files, &preview, &problems);
    }
    if args.dry_run {
        println!("Dry run: nothing was changed.");
        return Ok(());
    }
    if new == 0 {
        bail!("nothing to import: every account is in the vault already or cannot be imported");
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("not importing without confirmation: pass --yes");
        }
        if !confirm(&format!("Import {new} account(s)? [y/N] "))? {
            bail!("cancelled");
        }
    }
    let report = session.import(entries, problems)?;
    print_report(&report, json);
    Ok(())
}

/// Reads one file (refusing one larger than any export before reading it whole), in the named
/// format or the one its bytes show, asking for its password when it is encrypted and none was
/// given.
fn read_file(path: &Path, format: Option<&str>, password: Option<&Secret>) -> Result<Imported> {
    let file = std::fs::File::open(path).context("opening it")?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .context("reading it")?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        }
        .into());
    }
    let named = match format {
        Some(name) => Some(Format::named(name, &bytes).with_context(|| {
            format!("--format: `{name}` is not a format Twofold reads (see --list-formats)")
        })?),
        None => None,
    };
    let attempt = |password: Option<&Secret>| match named {
        Some(format) => twofold_formats::import_as(format, &bytes, password),
        // Told from the content, the file read once.
        None => twofold_formats::import(&bytes, password),
    };
    match attempt(password) {
        Err(ImportError::PasswordRequired { app }) => {
            if !std::io::stdin().is_terminal() {
                bail!("{app}: this export is encrypted; pass --password-file");
            }
            let name = named
                .or_else(|| twofold_formats::detect(&bytes))
                .map_or(app, Format::name);
            let text =
                rpassword::prompt_password(format!("Password of {} ({name}): ", path.display()))
                    .context("reading the password")?;
            Ok(attempt(Some(&Secret::new(text.into_bytes())))?)
        }
        other => Ok(other?),
    }
}

fn list_formats(json: bool) {
    let ids = Format::ids();
    if json {
        let items: Vec<_> = ids
            .iter()
            .map(|(id, names)| serde_json::json!({"format": id, "reads": names}))
            .collect();
        print_json(&items);
        return;
    }
    println!(
        "Twofold reads (the format is told from the file; --format NAME for ambiguous files):"
    );
    for (id, names) in ids {
        println!("  {id:<16} {}", names.join(", "));
    }
}

fn print_preview(
    files: &[(PathBuf, Format, usize)],
    preview: &[Preview],
    problems: &[EntryProblem],
) {
    for (path, format, count) in files {
        println!("{}: {}, {count} account(s)", path.display(), format.name());
    }
    for p in preview {
        match &p.duplicate_of {
            None => println!("  + {}", p.name),
            Some(Duplicate::InVault(existing)) => {
                println!("  = {}  (already in the vault as {existing})", p.name);
            }
            Some(Duplicate::InImport(earlier)) => {
                println!(
                    "  = {}  (the same account as {earlier}, earlier in the import)",
                    p.name
                );
            }
        }
    }
    for p in problems {
        println!("  ! {p}");
    }
}

fn preview_json(
    files: &[(PathBuf, Format, usize)],
    preview: &[Preview],
    problems: &[EntryProblem],
) -> serde_json::Value {
    serde_json::json!({
        "files": files.iter().map(|(path, format, count)| serde_json::json!({
            "path": path.display().to_string(),
            "format": format.id(),
            "format_name": format.name(),
            "accounts": count,
        })).collect::<Vec<_>>(),
        "accounts": preview.iter().map(|p| serde_json::json!({
            "name": p.name,
            "duplicate_of": p.duplicate_of.as_ref().map(|d| match d {
                Duplicate::InVault(name) => serde_json::json!({"in_vault": name}),
                Duplicate::InImport(name) => serde_json::json!({"in_import": name}),
            }),
        })).collect::<Vec<_>>(),
        "problems": problems_json(problems),
    })
}

fn problems_json(problems: &[EntryProblem]) -> Vec<serde_json::Value> {
    problems
        .iter()
        .map(|p| serde_json::json!({"entry": p.entry, "field": p.field, "problem": p.problem}))
        .collect()
}

fn print_report(report: &Report, json: bool) {
    if json {
        print_json(&serde_json::json!({
            "added": report.added.iter().map(|(name, id)| serde_json::json!({"name": name, "id": id.as_str()})).collect::<Vec<_>>(),
            "duplicates": report.duplicates.iter().map(|(name, existing)| serde_json::json!({"name": name, "existing": existing})).collect::<Vec<_>>(),
            "problems": problems_json(&report.problems),
        }));
        return;
    }
    println!(
        "Imported {} account(s); {} skipped as duplicates; {} not importable.",
        report.added.len(),
        report.duplicates.len(),
        report.problems.len()
    );
    for (name, existing) in &report.duplicates {
        println!("  skipped {name}: the same account as {existing}");
    }
    for p in &report.problems {
        println!("  not imported: {p}");
    }
}

/// A file's name for messages (its path when it has none).
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
