//! Opening the vault for one command: where it is, where its passphrase comes from, whether the OS
//! keychain may be used, and creating it on first use.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use twofold_core::clock::{SharedClock, SystemClock};
use twofold_core::keychain::{KeyStore, KeyStoreError, Keychain, NoKeyStore, UnreachableKeyStore};
use twofold_core::vault::{self, AddError, Contents, KdfParams, Protection, Vault, VaultError};
use twofold_core::{AccountDraft, AccountId, OsEntropy, Secret};

use twofold_push::registry::Registry;

use crate::args::Cli;

/// An account added by [`Session::add_accounts`], or why it was skipped (a duplicate).
pub type Added = (String, Result<AccountId, String>);

/// Everything a command needs to reach the vault.
pub struct Session {
    pub path: PathBuf,
    passphrase_file: Option<PathBuf>,
    keystore: Box<dyn KeyStore>,
    /// The CLI's one clock, passed to everything that needs the time.
    pub clock: SharedClock,
}

impl Session {
    pub fn new(cli: &Cli) -> Result<Self> {
        let path = match &cli.vault {
            Some(p) => p.clone(),
            // The desktop app's vault, in a directory private to the user.
            None => vault::default_location().context("pass --vault or set TWOFOLD_VAULT")?,
        };
        let keystore: Box<dyn KeyStore> = if cli.no_keychain {
            Box::new(NoKeyStore)
        } else {
            match Keychain::open_os() {
                Ok(k) => Box::new(k),
                Err(e) => Box::new(UnreachableKeyStore::new(match e {
                    KeyStoreError::Unavailable { reason } => reason,
                    other => other.to_string(),
                })),
            }
        };
        Ok(Self {
            path,
            passphrase_file: cli.passphrase_file.clone(),
            keystore,
            clock: SystemClock::shared(),
        })
    }

    pub fn keystore(&self) -> &dyn KeyStore {
        self.keystore.as_ref()
    }

    /// Unix seconds now.
    pub fn now(&self) -> u64 {
        self.clock.unix_seconds()
    }

    /// The push devices enrolled beside the vault.
    pub fn registry(&self) -> Registry {
        Registry::beside(&self.path, self.clock.clone())
    }

    /// Adds drafts in one save (creating the vault on first use); a duplicate is reported, not
    /// added.
    pub fn add_accounts(&self, drafts: Vec<AccountDraft>) -> Result<Vec<Added>> {
        let (mut vault, _) = self.open_or_create()?;
        let now = self.now();
        let result = vault.update(
            &mut OsEntropy,
            |contents: &mut Contents| -> Result<Vec<Added>> {
                let mut out = Vec::new();
                for draft in drafts {
                    let name = draft.display_name();
                    match contents.add(draft, &mut OsEntropy, now) {
                        Ok(id) => out.push((name, Ok(id))),
                        Err(dup @ AddError::Duplicate { .. }) => {
                            out.push((name, Err(dup.to_string())))
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(out)
            },
        )?;
        let (added, saved) = result?;
        self.backup_after_change(&vault, &saved);
        self.sync_after_change(&mut vault, &saved);
        Ok(added)
    }

    /// Adds imported entries with their labels in one save (creating the vault on first use);
    /// duplicates are skipped and reported with the file's own problems.
    pub fn import(
        &self,
        entries: Vec<twofold_formats::Entry>,
        problems: Vec<twofold_formats::EntryProblem>,
    ) -> Result<twofold_formats::Report> {
        let (mut vault, _) = self.open_or_create()?;
        let now = self.now();
        let (report, saved) = vault.update(&mut OsEntropy, |contents: &mut Contents| {
            twofold_formats::apply(contents, entries, problems, &mut OsEntropy, now)
        })??;
        self.backup_after_change(&vault, &saved);
        self.sync_after_change(&mut vault, &saved);
        Ok(report)
    }

    /// Opens the existing vault, asking for the passphrase when it has one.
    pub fn open(&self) -> Result<(Vault, Contents)> {
        if !self.path.exists() {
            bail!(
                "no vault at {} (add an account first, or pass --vault)",
                self.path.display()
            );
        }
        match Vault::open(&self.path, self.keystore(), None) {
            Err(VaultError::PassphraseRequired) => {}
            other => return other.map_err(|e| self.explain(e)),
        }
        let passphrase = self.passphrase("Passphrase: ")?;
        Vault::open(&self.path, self.keystore(), Some(&passphrase)).map_err(|e| self.explain(e))
    }

    /// Opens the vault, creating it first when it does not exist: in the keychain when one is
    /// available and no passphrase was given, otherwise with a passphrase.
    pub fn open_or_create(&self) -> Result<(Vault, Contents)> {
        if self.path.exists() {
            return self.open();
        }
        let given = self.given_passphrase()?;
        let created = match given {
            Some(passphrase) => Vault::create(
                &self.path,
                Protection::Passphrase {
                    passphrase: &passphrase,
                    kdf: KdfParams::DEFAULT,
                },
                &mut OsEntropy,
            ),
            None => match Vault::create(
                &self.path,
                Protection::Keychain(self.keystore()),
                &mut OsEntropy,
            ) {
                Err(VaultError::Keychain(KeyStoreError::Unavailable { reason })) => {
                    if !std::io::stdin().is_terminal() {
                        bail!(
                            "no keychain is available ({reason}); to create a vault protected by a \
                             passphrase instead, set TWOFOLD_PASSPHRASE or pass --passphrase-file"
                        );
                    }
                    eprintln!("No keychain is available ({reason}).");
                    eprintln!("Choose a passphrase to protect the new vault.");
                    let passphrase = new_passphrase_prompt()?;
                    Vault::create(
                        &self.path,
                        Protection::Passphrase {
                            passphrase: &passphrase,
                            kdf: KdfParams::DEFAULT,
                        },
                        &mut OsEntropy,
                    )
                }
                other => other,
            },
        };
        let (mut vault, contents) = created.map_err(|e| self.explain(e))?;
        eprintln!("Created a new vault at {}", self.path.display());
        // A person at a terminal gets the recovery key now, once; scripts make it with
        // `twofold recovery-key`.
        if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            let key =
                vault.set_recovery_key(self.keystore(), KdfParams::DEFAULT, &mut OsEntropy)?;
            let text = key.to_text();
            eprintln!(
                "Its recovery key (shown only now; write it down and keep it apart from this computer):\n\n    {}\n\nIt opens the vault and its backups if the keychain or passphrase is lost (`twofold recover`).",
                String::from_utf8_lossy(text.expose())
            );
        }
        Ok((vault, contents))
    }

    /// The passphrase from --passphrase-file, TWOFOLD_PASSPHRASE, or a prompt.
    pub fn passphrase(&self, prompt: &str) -> Result<Secret> {
        if let Some(p) = self.given_passphrase()? {
            return Ok(p);
        }
        if !std::io::stdin().is_terminal() {
            bail!(
                "this vault is locked with a passphrase: set TWOFOLD_PASSPHRASE or pass --passphrase-file"
            );
        }
        let text = rpassword::prompt_password(prompt).context("reading the passphrase")?;
        Ok(Secret::new(text.into_bytes()))
    }

    fn given_passphrase(&self) -> Result<Option<Secret>> {
        if let Some(file) = &self.passphrase_file {
            return read_passphrase_file(file).map(Some);
        }
        match std::env::var("TWOFOLD_PASSPHRASE") {
            Ok(p) if !p.is_empty() => Ok(Some(Secret::new(p.into_bytes()))),
            _ => Ok(None),
        }
    }

    fn explain(&self, e: VaultError) -> anyhow::Error {
        match e {
            VaultError::WrongPassphrase => {
                anyhow::anyhow!("wrong passphrase for {}", self.path.display())
            }
            VaultError::Keychain(KeyStoreError::Unavailable { reason }) => anyhow::anyhow!(
                "this vault keeps its key in the OS keychain, which is not available ({reason})"
            ),
            other => anyhow::Error::new(other).context(format!("vault {}", self.path.display())),
        }
    }
}

/// Reads the first line of a passphrase file (without its line ending).
pub fn read_passphrase_file(path: &Path) -> Result<Secret> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("reading the passphrase file {}", path.display()))?,
    );
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        bail!("the passphrase file {} is empty", path.display());
    }
    Ok(Secret::new(line.as_bytes().to_vec()))
}

/// Asks twice for a new passphrase.
pub fn new_passphrase_prompt() -> Result<Secret> {
    let first = rpassword::prompt_password("New passphrase: ").context("reading the passphrase")?;
    if first.is_empty() {
        bail!("the passphrase must not be empty");
    }
    let second = rpassword::prompt_password("Repeat it: ").context("reading the passphrase")?;
    if first != second {
        bail!("the two passphrases differ");
    }
    Ok(Secret::new(first.into_bytes()))
}
