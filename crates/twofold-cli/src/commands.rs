//! The subcommands: each reads the vault through a [`Session`], does one thing, and prints text or
//! JSON.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, anyhow, bail};
use twofold_core::account::{FieldError, Labels};
use twofold_core::manual::{self, TypedFields};
use twofold_core::migration::MigrationSet;
use twofold_core::otp::{Algorithm, Method};
use twofold_core::scan::{self, ScanItem};
use twofold_core::vault::{Contents, KdfParams};
use twofold_core::{Account, AccountDraft, OsEntropy, Secret, otpauth, qr};

use crate::args::{
    AddArgs, AlgorithmArg, Cli, CodeArgs, Command, KindArg, PassphraseAction, RenameArgs, RmArgs,
    ScanArgs, ShowQrArgs,
};
use crate::output::{AccountJson, CodeJson, DraftJson, describe_draft, print_json};
use crate::session::{Added, Session, new_passphrase_prompt, read_passphrase_file};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<()> {
    let session = Session::new(&cli)?;
    let json = cli.json;
    match cli.command {
        Command::Add(args) => add(&session, args, json),
        Command::Scan(args) => scan_images(&session, args, json),
        Command::Import(args) => crate::import::run(&session, args, json),
        Command::Export(args) => crate::export::run(&session, args, json),
        Command::List => list(&session, json),
        Command::Code(args) => code(&session, args, json),
        Command::Rm(args) => remove(&session, args, json),
        Command::Rename(args) => rename(&session, args, json),
        Command::ShowQr(args) => show_qr(&session, args),
        Command::Passphrase { action } => passphrase(&session, action),
        Command::RecoveryKey { yes } => crate::backup::recovery_key(&session, yes, json),
        Command::Recover(args) => crate::backup::recover(&session, args, json),
        Command::Backup { action } => crate::backup::run(&session, action, json),
        Command::Clock(args) => crate::clock::run(&session, args, json),
        Command::Push { action } => crate::push::run(&session, action, json),
        Command::Sync { action } => crate::sync::run(&session, action, json),
    }
}

fn add(session: &Session, args: AddArgs, json: bool) -> Result<()> {
    let drafts = match &args.uri {
        Some(uri) => match scan::classify(uri) {
            ScanItem::Account(d) => vec![d],
            ScanItem::Migration(batch) => batch.accounts,
            ScanItem::InvalidAccount(e) => bail!("invalid otpauth URI: {e}"),
            ScanItem::InvalidMigration(e) => bail!("invalid otpauth-migration URI: {e}"),
            ScanItem::Enrollment(_) => {
                bail!("uri: a push-approval enrollment link; run `twofold push enroll <link>`")
            }
            ScanItem::NotOtp => bail!("uri: not an otpauth:// or otpauth-migration:// URI"),
        },
        None => vec![draft_from_flags(&args)?],
    };
    let added = session.add_accounts(drafts)?;
    report_added(&added, json);
    if added.iter().all(|a| a.1.is_err()) {
        bail!(
            "nothing added: {}",
            added
                .iter()
                .filter_map(|a| a.1.as_ref().err())
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    Ok(())
}

fn draft_from_flags(args: &AddArgs) -> Result<AccountDraft> {
    let fields = TypedFields {
        issuer: args.issuer.clone().unwrap_or_default(),
        name: args.account.clone().unwrap_or_default(),
        secret: args.secret.clone().unwrap_or_default(),
        method: match args.kind {
            KindArg::Totp => Method::Totp {
                period: args.period,
            },
            KindArg::Hotp => Method::Hotp {
                counter: args.counter,
            },
            KindArg::Steam => Method::Steam {
                period: args.period,
            },
        },
        algorithm: match args.algorithm {
            AlgorithmArg::Sha1 => Algorithm::Sha1,
            AlgorithmArg::Sha256 => Algorithm::Sha256,
            AlgorithmArg::Sha512 => Algorithm::Sha512,
        },
        digits: args.digits,
    };
    manual::validate_typed(&fields).map_err(problems)
}

/// Every field problem on one line.
fn problems(problems: Vec<FieldError>) -> anyhow::Error {
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    anyhow!("{}", text.join("; "))
}

fn report_added(added: &[Added], json: bool) {
    if json {
        let items: Vec<_> = added
            .iter()
            .map(|(name, r)| match r {
                Ok(id) => serde_json::json!({"name": name, "id": id.as_str(), "added": true}),
                Err(why) => serde_json::json!({"name": name, "added": false, "reason": why}),
            })
            .collect();
        print_json(&items);
        return;
    }
    for (name, r) in added {
        match r {
            Ok(_) => println!("Added {name}"),
            Err(why) => println!("Skipped {why}"),
        }
    }
}

fn scan_images(session: &Session, args: ScanArgs, json: bool) -> Result<()> {
    let mut drafts = Vec::new();
    let mut migration = MigrationSet::new();
    let mut problems = Vec::new();
    for path in &args.images {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let texts = match qr::decode_image(&bytes) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        for text in texts {
            match scan::classify(&text) {
                ScanItem::Account(d) => drafts.push(d),
                ScanItem::Migration(batch) => {
                    if let Err(e) = migration.add(batch) {
                        problems.push(format!("{}: {e}", path.display()));
                    }
                }
                ScanItem::InvalidAccount(e) => {
                    problems.push(format!("{}: invalid otpauth URI: {e}", path.display()))
                }
                ScanItem::InvalidMigration(e) => {
                    problems.push(format!("{}: invalid export: {e}", path.display()))
                }
                ScanItem::Enrollment(_) => problems.push(format!(
                    "{}: a push-approval enrollment (add it with `twofold push enroll`)",
                    path.display()
                )),
                ScanItem::NotOtp => problems.push(format!(
                    "{}: a QR code that is not a 2FA account",
                    path.display()
                )),
            }
        }
    }
    let missing = migration.missing();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|i| (i + 1).to_string()).collect();
        problems.push(format!(
            "the Google Authenticator export is incomplete: QR code(s) {} not scanned",
            list.join(", ")
        ));
    }
    drafts.extend(migration.accounts());
    for p in &problems {
        eprintln!("warning: {p}");
    }
    if drafts.is_empty() {
        bail!("no 2FA accounts found in {} image(s)", args.images.len());
    }
    if !json || !args.yes {
        println!("Found {} account(s):", drafts.len());
        for d in &drafts {
            println!("  {}", describe_draft(d));
        }
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("not adding without confirmation: pass --yes");
        }
        if !confirm(&format!("Add {} account(s)? [y/N] ", drafts.len()))? {
            bail!("cancelled");
        }
    }
    if json {
        let found: Vec<DraftJson> = drafts.iter().map(DraftJson::from).collect();
        let added = session.add_accounts(drafts)?;
        let items: Vec<_> = added
            .iter()
            .zip(found)
            .map(|((_, r), d)| serde_json::json!({"account": d, "added": r.is_ok(), "id": r.as_ref().ok().map(|i| i.to_string()), "reason": r.as_ref().err()}))
            .collect();
        print_json(&items);
        return Ok(());
    }
    let added = session.add_accounts(drafts)?;
    report_added(&added, false);
    Ok(())
}

pub fn confirm(prompt: &str) -> Result<bool> {
    print!("{prompt}");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn list(session: &Session, json: bool) -> Result<()> {
    let (vault, contents) = session.open()?;
    session.daily_backup(&vault, &contents);
    if json {
        let items: Vec<AccountJson> = contents.accounts.iter().map(AccountJson::from).collect();
        print_json(&items);
        return Ok(());
    }
    if contents.accounts.is_empty() {
        println!("No accounts.");
        return Ok(());
    }
    let w_issuer = contents
        .accounts
        .iter()
        .map(|a| a.issuer.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    println!("{:<8}  {:<w_issuer$}  ACCOUNT", "ID", "ISSUER");
    for a in &contents.accounts {
        println!(
            "{:<8}  {:<w_issuer$}  {}  ({})",
            &a.id.as_str()[..8.min(a.id.as_str().len())],
            a.issuer,
            a.name,
            a.params.method().type_name()
        );
    }
    Ok(())
}

/// The one account matching `query`: an exact issuer/name/display-name match wins over a
/// partial one; several partial matches are an error that lists them.
fn find_one<'a>(contents: &'a Contents, query: &str) -> Result<&'a Account> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        bail!("query: empty");
    }
    let by_id: Vec<&Account> = contents
        .accounts
        .iter()
        .filter(|a| a.id.as_str().starts_with(&q))
        .collect();
    if by_id.len() == 1 {
        return Ok(by_id[0]);
    }
    let matches = contents.search(&q);
    let exact: Vec<&Account> = matches
        .iter()
        .copied()
        .filter(|a| {
            a.issuer.to_lowercase() == q
                || a.name.to_lowercase() == q
                || a.display_name().to_lowercase() == q
        })
        .collect();
    let pick = if exact.len() == 1 { exact } else { matches };
    match pick.as_slice() {
        [one] => Ok(one),
        [] => bail!("no account matches `{query}`"),
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|a| format!("{} [{}]", a.display_name(), &a.id.as_str()[..8]))
                .collect();
            bail!(
                "`{query}` matches {} accounts: {}; be more specific or use the id",
                many.len(),
                names.join(", ")
            )
        }
    }
}

fn code(session: &Session, args: CodeArgs, json: bool) -> Result<()> {
    let now = args.at.is_none();
    show_code(session, args, json)?;
    // A code made on a wrong clock is refused: say so (a code asked for --at another time
    // does not depend on the clock).
    if now {
        crate::clock::warn_if_off(session);
    }
    Ok(())
}

fn show_code(session: &Session, args: CodeArgs, json: bool) -> Result<()> {
    let (mut vault, contents) = session.open()?;
    session.daily_backup(&vault, &contents);
    let t = args.at.unwrap_or_else(|| session.now());
    let account = find_one(&contents, &args.query)?.clone();
    let (code, next) = match account.params.method() {
        Method::Hotp { .. } => {
            // Showing an HOTP code uses it up: the other computers' counters first, then
            // save the advanced counter before showing it.
            session.sync_before_use(&mut vault);
            let id = account.id.clone();
            let (used, saved) =
                vault.update(&mut OsEntropy, |c: &mut Contents| -> Result<Account> {
                    let a = c
                        .get_mut(&id)
                        .ok_or_else(|| anyhow!("the account was removed meanwhile"))?;
                    let shown = a.clone();
                    a.advance_counter();
                    a.last_used_at = Some(t);
                    Ok(shown)
                })??;
            // The other computers learn the counter moved on, so none shows this code again.
            session.sync_after_change(&mut vault, &saved);
            (used.code_at(t), used.next_code_at(t))
        }
        _ => (account.code_at(t), account.next_code_at(t)),
    };
    let seconds_left = account.params.seconds_left(t);
    if json {
        print_json(&CodeJson {
            id: account.id.to_string(),
            issuer: account.issuer.clone(),
            account: account.name.clone(),
            code: code.to_string(),
            seconds_left,
            period: account.params.method().period(),
            next: args.next.then(|| next.to_string()),
            counter: match account.params.method() {
                Method::Hotp { counter } => Some(counter),
                _ => None,
            },
        });
        return Ok(());
    }
    let mut line = format!("{}  {}", code.grouped(), account.display_name());
    if let Some(s) = seconds_left {
        line.push_str(&format!("  ({s}s left)"));
    }
    println!("{line}");
    if args.next {
        println!("{}  next", next.grouped());
    }
    Ok(())
}

fn remove(session: &Session, args: RmArgs, json: bool) -> Result<()> {
    let (mut vault, contents) = session.open()?;
    let account = find_one(&contents, &args.query)?;
    let (id, name) = (account.id.clone(), account.display_name());
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("not removing {name} without confirmation: pass --yes");
        }
        if !confirm(&format!(
            "Remove {name}? Its codes cannot be recovered. [y/N] "
        ))? {
            bail!("cancelled");
        }
    }
    let (_, saved) = vault.update(&mut OsEntropy, |c: &mut Contents| {
        c.remove(&id)
            .ok_or_else(|| anyhow!("the account was removed meanwhile"))
    })??;
    session.backup_after_change(&vault, &saved);
    session.sync_after_change(&mut vault, &saved);
    if json {
        print_json(&serde_json::json!({"removed": id.as_str(), "name": name}));
    } else {
        println!("Removed {name}");
    }
    Ok(())
}

fn rename(session: &Session, args: RenameArgs, json: bool) -> Result<()> {
    if args.issuer.is_none() && args.account.is_none() {
        bail!("give --issuer, --account or both");
    }
    let (mut vault, contents) = session.open()?;
    let id = find_one(&contents, &args.query)?.id.clone();
    let ((), saved) = vault.update(&mut OsEntropy, |c: &mut Contents| -> Result<()> {
        let a = c
            .get_mut(&id)
            .ok_or_else(|| anyhow!("the account was removed meanwhile"))?;
        let mut labels = Labels::of(a);
        if let Some(i) = &args.issuer {
            labels.issuer.clone_from(i);
        }
        if let Some(n) = &args.account {
            labels.name.clone_from(n);
        }
        labels.check().map_err(problems)?.apply_to(a);
        Ok(())
    })??;
    session.backup_after_change(&vault, &saved);
    session.sync_after_change(&mut vault, &saved);
    let a = saved
        .get(&id)
        .ok_or_else(|| anyhow!("the account disappeared"))?;
    if json {
        print_json(&AccountJson::from(a));
    } else {
        println!("Renamed to {}", a.display_name());
    }
    Ok(())
}

fn show_qr(session: &Session, args: ShowQrArgs) -> Result<()> {
    let (_, contents) = session.open()?;
    let account = find_one(&contents, &args.query)?;
    let uri = zeroize::Zeroizing::new(otpauth::format(&account.to_draft()));
    if args.uri {
        println!("{}", uri.as_str());
        return Ok(());
    }
    let art = qr::encode_terminal(&uri)?;
    eprintln!(
        "This QR code holds the secret of {}. Scan it only with your own device.",
        account.display_name()
    );
    println!("{art}");
    Ok(())
}

fn passphrase(session: &Session, action: PassphraseAction) -> Result<()> {
    let (mut vault, _) = session.open()?;
    match action {
        PassphraseAction::Set {
            new_passphrase_file,
        } => {
            let new = new_passphrase(new_passphrase_file.as_deref())?;
            vault.set_passphrase(session.keystore(), &new, KdfParams::DEFAULT, &mut OsEntropy)?;
            println!("The vault is now locked with a passphrase.");
        }
        PassphraseAction::Remove => {
            vault.remove_passphrase(session.keystore(), &mut OsEntropy).context(
                "the key must go to the OS keychain, which must be available to remove the passphrase",
            )?;
            println!("The passphrase is removed; the vault key is in the OS keychain.");
        }
    }
    Ok(())
}

fn new_passphrase(file: Option<&std::path::Path>) -> Result<Secret> {
    if let Some(f) = file {
        return read_passphrase_file(f);
    }
    if let Ok(p) = std::env::var("TWOFOLD_NEW_PASSPHRASE")
        && !p.is_empty()
    {
        return Ok(Secret::new(p.into_bytes()));
    }
    if !std::io::stdin().is_terminal() {
        bail!("new passphrase: pass --new-passphrase-file or set TWOFOLD_NEW_PASSPHRASE");
    }
    new_passphrase_prompt()
}
