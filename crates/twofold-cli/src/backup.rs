//! `twofold recovery-key`, `twofold recover` and `twofold backup …`: the recovery key made and
//! shown once, a vault recovered when its keychain entry or passphrase is lost, and the automatic
//! backups (written after each change, listed, verified, restored, configured).

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result, bail};
use twofold_core::keychain::KeyStoreError;
use twofold_core::recovery::RecoveryKey;
use twofold_core::vault::{Contents, KdfParams, RecoverTo, Vault, VaultError};
use twofold_core::{OsEntropy, Secret};
use twofold_formats::autobackup::{self, BackupError, Record};
use twofold_formats::backup::{self, Unlock};

use crate::args::{BackupAction, RecoverArgs};
use crate::commands::confirm;
use crate::output::print_json;
use crate::session::{Session, read_passphrase_file};

/// Prints a recovery key the way a person should keep it.
fn show_recovery_key(key: &RecoveryKey, json: bool) {
    let text = key.to_text();
    let text = String::from_utf8_lossy(text.expose());
    if json {
        print_json(&serde_json::json!({ "recovery_key": text }));
        return;
    }
    println!("Your recovery key (shown only now; write it down or print it, and keep it apart");
    println!("from this computer):\n");
    println!("    {text}\n");
    println!("It opens your vault and your backups if this computer's keychain or your");
    println!("passphrase is lost: `twofold recover`.");
}

/// `twofold recovery-key`: makes the vault's recovery key, or replaces it.
pub fn recovery_key(session: &Session, yes: bool, json: bool) -> Result<()> {
    let (mut vault, _) = session.open()?;
    if vault.info().recovery.is_some() && !yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "the vault has a recovery key; pass --yes to replace it (the old one stops working)"
            );
        }
        if !confirm(
            "The vault has a recovery key. Replace it? The old one will stop working. [y/N] ",
        )? {
            bail!("cancelled");
        }
    }
    let key = vault
        .set_recovery_key(session.keystore(), KdfParams::DEFAULT, &mut OsEntropy)
        .map_err(|e| match e {
            VaultError::PassphraseRequired => anyhow::anyhow!(
                "the vault must be unlocked with its passphrase to replace the recovery key"
            ),
            other => other.into(),
        })?;
    show_recovery_key(&key, json);
    // As saved with the new key (another program may have changed the vault meanwhile).
    let contents = vault.read()?;
    session.backup_after_change(&vault, &contents);
    Ok(())
}

/// The recovery key from --recovery-key-file, TWOFOLD_RECOVERY_KEY or a prompt; a typo is
/// named before anything is tried.
fn read_recovery_key(file: Option<&Path>) -> Result<RecoveryKey> {
    let text = if let Some(f) = file {
        read_passphrase_file(f).context("--recovery-key-file")?
    } else if let Ok(t) = std::env::var("TWOFOLD_RECOVERY_KEY")
        && !t.is_empty()
    {
        Secret::new(t.into_bytes())
    } else {
        if !std::io::stdin().is_terminal() {
            bail!("recovery key: pass --recovery-key-file or set TWOFOLD_RECOVERY_KEY");
        }
        let t = rpassword::prompt_password("Recovery key: ").context("reading the recovery key")?;
        Secret::new(t.into_bytes())
    };
    let text = std::str::from_utf8(text.expose()).context("the recovery key is not text")?;
    Ok(RecoveryKey::parse(text)?)
}

/// `twofold recover`: the vault opened with its recovery key and given a new key in this
/// computer's keychain (or, without one, under a new passphrase).
pub fn recover(session: &Session, args: RecoverArgs, json: bool) -> Result<()> {
    if let Some(file) = &args.backup {
        return restore(session, file, json);
    }
    if !session.path.exists() {
        bail!(
            "no vault at {}; to restore from a backup file instead, run `twofold backup restore FILE`",
            session.path.display()
        );
    }
    let key = read_recovery_key(args.recovery_key_file.as_deref())?;
    let new_passphrase;
    let given = match &args.new_passphrase_file {
        Some(f) => Some(read_passphrase_file(f)?),
        None => std::env::var("TWOFOLD_NEW_PASSPHRASE")
            .ok()
            .filter(|p| !p.is_empty())
            .map(|p| Secret::new(p.into_bytes())),
    };
    let to = match given {
        Some(p) => {
            new_passphrase = p;
            RecoverTo::Passphrase {
                passphrase: &new_passphrase,
                kdf: KdfParams::DEFAULT,
            }
        }
        None => RecoverTo::Keychain(session.keystore()),
    };
    let (vault, contents) = match Vault::recover(&session.path, &key, to, &mut OsEntropy) {
        Err(VaultError::Keychain(KeyStoreError::Unavailable { reason })) => bail!(
            "no keychain is available ({reason}); give a new passphrase for the vault with TWOFOLD_NEW_PASSPHRASE or --new-passphrase-file"
        ),
        other => other?,
    };
    if json {
        print_json(&serde_json::json!({"recovered": contents.accounts.len()}));
    } else {
        println!(
            "Recovered the vault: {} account(s); its new key is {}. Your recovery key stays the same.",
            contents.accounts.len(),
            if matches!(to, RecoverTo::Keychain(_)) {
                "in this computer's keychain"
            } else {
                "protected by the new passphrase"
            }
        );
    }
    session.backup_after_change(&vault, &contents);
    Ok(())
}

/// Opens a backup: with the vault key when this vault wrote it, else with what the person
/// types (the recovery key, the backup passphrase or an export's passphrase).
fn open_backup(session: &Session, bytes: &[u8], password_file: Option<&Path>) -> Result<Contents> {
    let info = backup::info(bytes)?;
    if let Some(id) = &info.vault_id
        && let Ok(current) = Vault::inspect(&session.path)
        && &current.vault_id == id
        && password_file.is_none()
        && let Ok((vault, _)) = session.open()
        && let Ok(contents) = backup::open_with(bytes, Unlock::VaultKey(vault.key()))
    {
        return Ok(contents);
    }
    let typed = match password_file {
        Some(f) => read_passphrase_file(f)?,
        None => {
            if let Ok(t) = std::env::var("TWOFOLD_RECOVERY_KEY")
                && !t.is_empty()
            {
                Secret::new(t.into_bytes())
            } else {
                if !std::io::stdin().is_terminal() {
                    bail!(
                        "this backup opens with a recovery key or passphrase: pass --password-file or set TWOFOLD_RECOVERY_KEY"
                    );
                }
                let t = rpassword::prompt_password("Recovery key or backup passphrase: ")
                    .context("reading it")?;
                Secret::new(t.into_bytes())
            }
        }
    };
    Ok(backup::open_with(bytes, Unlock::Typed(&typed))?)
}

fn read_backup(path: &Path) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("{}", path.display()))?
        .len();
    if len > twofold_formats::import::MAX_FILE_BYTES as u64 {
        bail!("{}: {len} bytes is too large for a backup", path.display());
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Restores a backup: onto a new vault as it is (every account identical), or into an existing
/// vault with the duplicates skipped as an import does.
fn restore(session: &Session, file: &Path, json: bool) -> Result<()> {
    let bytes = read_backup(file)?;
    if session.path.exists() {
        let contents = open_backup(session, &bytes, None)?;
        let (entries, problems) = backup::entries_of(&contents);
        let report = session.import(entries, problems)?;
        if json {
            print_json(&serde_json::json!({
                "added": report.added.len(),
                "duplicates": report.duplicates.len(),
            }));
        } else {
            println!(
                "Restored {} account(s) into the existing vault ({} already there).",
                report.added.len(),
                report.duplicates.len()
            );
        }
        return Ok(());
    }
    let contents = open_backup(session, &bytes, None)?;
    let (mut vault, _) = session.open_or_create()?;
    let count = contents.accounts.len();
    vault.update(&mut OsEntropy, |c: &mut Contents| -> Result<()> {
        if !c.accounts.is_empty() {
            bail!("the vault was filled meanwhile; run the restore again");
        }
        *c = contents;
        Ok(())
    })??;
    if json {
        print_json(&serde_json::json!({"restored": count}));
    } else {
        println!("Restored {count} account(s) into a new vault.");
        println!("Make a recovery key for it now: `twofold recovery-key`.");
    }
    Ok(())
}

/// `twofold backup …`.
pub fn run(session: &Session, action: BackupAction, json: bool) -> Result<()> {
    match action {
        BackupAction::Now => {
            let (vault, contents) = session.open()?;
            let written = autobackup::run(&vault, &contents, session.now(), &mut OsEntropy)?;
            if json {
                print_json(&serde_json::json!({
                    "file": written.file,
                    "accounts": written.accounts,
                    "verified": true,
                }));
            } else {
                println!(
                    "Wrote and verified {} ({} account(s)).",
                    written.file.display(),
                    written.accounts
                );
            }
            Ok(())
        }
        BackupAction::List => {
            let record = Record::load(&session.path);
            let folder = record.folder(&session.path);
            let files = autobackup::list(&folder)?;
            if json {
                print_json(&serde_json::json!({
                    "folder": folder,
                    "enabled": record.settings.enabled,
                    "last_success": record.status.last_success,
                    "error": record.status.error,
                    "files": files.iter().map(|f| serde_json::json!({
                        "file": f.path, "at": f.at, "size": f.size,
                    })).collect::<Vec<_>>(),
                }));
                return Ok(());
            }
            println!(
                "Backups in {} (automatic backups {}):",
                folder.display(),
                if record.settings.enabled { "on" } else { "off" }
            );
            for f in &files {
                let last = record
                    .status
                    .last_success
                    .as_ref()
                    .is_some_and(|w| w.file == f.path);
                println!(
                    "  {}  {} bytes{}",
                    f.path.display(),
                    f.size,
                    if last { "  (last, verified)" } else { "" }
                );
            }
            if files.is_empty() {
                println!("  none yet");
            }
            if let Some(e) = &record.status.error {
                println!("The last automatic backup failed: {e}");
            }
            Ok(())
        }
        BackupAction::Verify {
            file,
            password_file,
        } => {
            let path = match file {
                Some(f) => f,
                None => {
                    let folder = Record::load(&session.path).folder(&session.path);
                    autobackup::list(&folder)?
                        .into_iter()
                        .next()
                        .map(|f| f.path)
                        .with_context(|| format!("no backups in {}", folder.display()))?
                }
            };
            let bytes = read_backup(&path)?;
            let contents = open_backup(session, &bytes, password_file.as_deref())
                .with_context(|| format!("{} does not verify", path.display()))?;
            if json {
                print_json(&serde_json::json!({
                    "file": path, "verified": true, "accounts": contents.accounts.len(),
                }));
            } else {
                println!(
                    "{} verifies: {} account(s).",
                    path.display(),
                    contents.accounts.len()
                );
            }
            Ok(())
        }
        BackupAction::Restore { file } => restore(session, &file, json),
        BackupAction::Config {
            folder,
            on,
            off,
            passphrase_file,
            remove_passphrase,
        } => {
            let mut record = Record::load(&session.path);
            if let Some(f) = folder {
                let f = if f.is_absolute() {
                    f
                } else {
                    std::env::current_dir()?.join(f)
                };
                record.settings.folder = Some(f);
            }
            if on {
                record.settings.enabled = true;
            }
            if off {
                record.settings.enabled = false;
            }
            if let Some(p) = passphrase_file {
                let p = read_passphrase_file(&p)?;
                record.set_passphrase(Some(&p), KdfParams::DEFAULT, &mut OsEntropy)?;
            }
            if remove_passphrase {
                record.set_passphrase(None, KdfParams::DEFAULT, &mut OsEntropy)?;
            }
            record.save(&session.path)?;
            println!(
                "Automatic backups {} to {}{}.",
                if record.settings.enabled { "on" } else { "off" },
                record.folder(&session.path).display(),
                if record.settings.passphrase.is_some() {
                    ", also opened by the backup passphrase"
                } else {
                    ""
                }
            );
            Ok(())
        }
    }
}

impl Session {
    /// After a change (`contents` as saved): an automatic backup when one is due; a failure is a warning (the change
    /// itself was saved), and says how to fix it.
    /// After a command that only read the vault: the daily backup, when one is due and a
    /// backup could open without this computer (else nothing is said: changes say it).
    pub fn daily_backup(&self, vault: &Vault, contents: &Contents) {
        let record = Record::load(&self.path);
        let lock = vault.info().recovery.is_some() || record.settings.passphrase.is_some();
        if lock && record.due(vault.info().generation, self.now()) {
            self.backup_after_change(vault, contents);
        }
    }

    pub fn backup_after_change(&self, vault: &Vault, contents: &Contents) {
        let record = Record::load(&self.path);
        if !record.due(vault.info().generation, self.now()) {
            return;
        }
        match autobackup::run(vault, contents, self.now(), &mut OsEntropy) {
            Ok(_) => {}
            // Said to people at a terminal; scripts get the status in `twofold backup list`.
            Err(BackupError::NoLock) => {
                if std::io::stderr().is_terminal() {
                    eprintln!(
                        "twofold: warning: no automatic backup: make a recovery key first (`twofold recovery-key`)"
                    );
                }
            }
            Err(e) => eprintln!("twofold: warning: the automatic backup failed: {e}"),
        }
    }
}
