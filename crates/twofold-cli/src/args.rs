//! The command line: every subcommand, flag and environment variable of `twofold`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Twofold: two-factor codes from an encrypted vault shared with the desktop app.
#[derive(Debug, Parser)]
#[command(name = "twofold", version, about, propagate_version = true)]
pub struct Cli {
    /// The vault file [default: the desktop app's vault in your data directory].
    #[arg(long, global = true, env = "TWOFOLD_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// Read the passphrase from the first line of this file (for scripts).
    #[arg(long, global = true, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,

    /// Never use the OS keychain: vaults must be protected by a passphrase (the variable takes
    /// 1/0, true/false, yes/no, on/off).
    #[arg(
        long,
        global = true,
        env = "TWOFOLD_NO_KEYCHAIN",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub no_keychain: bool,

    /// Print JSON for scripts instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add an account from an otpauth:// URI or from fields.
    Add(AddArgs),
    /// Add every account found in QR codes in images (PNG, JPEG, …).
    Scan(ScanArgs),
    /// Import accounts from other authenticators' export files (Aegis, 2FAS, andOTP,
    /// Bitwarden, Proton, …): the format is told from each file's content.
    Import(ImportArgs),
    /// Export the accounts: a Twofold backup, or a file another authenticator imports.
    Export(ExportArgs),
    /// List the accounts (never their secrets).
    List,
    /// Show the current code of an account and the seconds it has left.
    Code(CodeArgs),
    /// Remove an account.
    Rm(RmArgs),
    /// Change an account's issuer or account name.
    Rename(RenameArgs),
    /// Print an account as a QR code in the terminal, to move it to a phone.
    ShowQr(ShowQrArgs),
    /// Protect the vault with a passphrase, or move its key back to the OS keychain.
    Passphrase {
        /// `set` or `remove`.
        #[command(subcommand)]
        action: PassphraseAction,
    },
    /// Make the vault's recovery key (shown once), or replace it: it opens the vault and its
    /// backups when this computer's keychain or the passphrase is lost.
    RecoveryKey {
        /// Replace an existing recovery key without asking.
        #[arg(long, short)]
        yes: bool,
    },
    /// Open the vault with its recovery key when the keychain lost its key (a new computer, a
    /// reset keychain) or the passphrase is forgotten; or restore it from a backup file.
    Recover(RecoverArgs),
    /// Automatic encrypted backups: make one now, list, verify, restore, configure.
    Backup {
        /// What to do.
        #[command(subcommand)]
        action: BackupAction,
    },
    /// Check this computer's clock against the enrolled push server (or an NTP server you
    /// name): codes are refused when it is more than a few seconds off. Never changes it.
    Clock(ClockArgs),
    /// Push approval: enroll this computer with a Twofold server and answer login requests.
    Push {
        /// What to do.
        #[command(subcommand)]
        action: PushAction,
    },
    /// Sync the accounts with your other computers through your own Twofold server
    /// (end-to-end encrypted: the server stores only what it cannot read).
    Sync {
        /// What to do.
        #[command(subcommand)]
        action: SyncAction,
    },
}

/// `twofold sync …`.
#[derive(Debug, Subcommand)]
pub enum SyncAction {
    /// Join a sync space: with the link another computer shows (`twofold sync link`), an
    /// image of its QR code, an invitation from the server's operator, or `--server URL` to
    /// start a new space on a server open to anyone.
    Join {
        /// The twofold://sync link, or a PNG/JPEG file showing its QR code.
        link_or_image: Option<String>,
        /// Start a new space on this server (when its operator lets anyone).
        #[arg(long)]
        server: Option<String>,
        /// What to call this computer [default: the host name].
        #[arg(long)]
        name: Option<String>,
    },
    /// Show a one-time link (and QR code) that adds another computer to this space.
    Link,
    /// Where this computer syncs, and when it last did.
    Status,
    /// The computers in this space.
    Devices,
    /// Remove another computer from the space (by its uuid or name): the space key changes,
    /// so it reads nothing written from then on.
    Remove {
        /// The computer's uuid or name.
        device: String,
    },
    /// This computer leaves the space (its vault keeps every account).
    Leave,
    /// Sync now: send this computer's changes, take the others'.
    Now {
        /// Keep syncing: changes from the other computers arrive as they are made.
        #[arg(long)]
        watch: bool,
    },
}

/// `twofold push …`.
#[derive(Debug, Subcommand)]
pub enum PushAction {
    /// Enroll from a twofold://enroll link, or from an image of its QR code.
    Enroll {
        /// The link, or a PNG/JPEG file showing the enrollment QR code.
        link_or_image: String,
        /// What to call this device [default: the host name].
        #[arg(long)]
        name: Option<String>,
    },
    /// List the devices enrolled here and what their servers say about them.
    Devices,
    /// Print approval requests as they arrive (one line each) until interrupted.
    Listen {
        /// Only this device (its uuid or a unique prefix).
        #[arg(long)]
        device: Option<String>,
    },
    /// Approve a request.
    Approve {
        /// The request's uuid.
        uuid: String,
        /// The number the website shows, when the request asks for one.
        #[arg(long)]
        number: Option<u32>,
        /// The device to answer with (its uuid or a unique prefix).
        #[arg(long)]
        device: Option<String>,
    },
    /// Deny a request.
    Deny {
        /// The request's uuid.
        uuid: String,
        /// Report it as "this wasn't me".
        #[arg(long)]
        not_me: bool,
        /// The device to answer with (its uuid or a unique prefix).
        #[arg(long)]
        device: Option<String>,
    },
    /// Revoke an enrolled device at its server and forget it here.
    Remove {
        /// The device (its uuid or a unique prefix).
        device: String,
    },
}

/// `twofold add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// An otpauth:// URI (or an otpauth-migration:// export). Omit it to use the flags below.
    pub uri: Option<String>,
    /// Who issued the secret (e.g. GitHub).
    #[arg(long, conflicts_with = "uri")]
    pub issuer: Option<String>,
    /// The account name at the issuer (e.g. alice@example.com).
    #[arg(long, conflicts_with = "uri")]
    pub account: Option<String>,
    /// The base32 secret.
    #[arg(long, conflicts_with = "uri")]
    pub secret: Option<String>,
    /// Digits per code (4–10).
    #[arg(long, default_value_t = 6, conflicts_with = "uri")]
    pub digits: u8,
    /// Seconds per code (TOTP and Steam).
    #[arg(long, default_value_t = 30, conflicts_with = "uri")]
    pub period: u32,
    /// HMAC algorithm.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Sha1, conflicts_with = "uri")]
    pub algorithm: AlgorithmArg,
    /// Kind of code.
    #[arg(long = "type", value_enum, default_value_t = KindArg::Totp, conflicts_with = "uri")]
    pub kind: KindArg,
    /// Counter of the next HOTP code.
    #[arg(long, default_value_t = 0, conflicts_with = "uri")]
    pub counter: u64,
}

/// HMAC algorithms on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlgorithmArg {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

/// Kinds of code on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// Time-based.
    Totp,
    /// Counter-based.
    Hotp,
    /// Steam Guard.
    Steam,
}

/// `twofold scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Image files.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Add without asking.
    #[arg(long, short)]
    pub yes: bool,
}

/// `twofold import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files of other authenticators.
    #[arg(required_unless_present = "list_formats")]
    pub files: Vec<PathBuf>,
    /// The files' format, for files whose content could be more than one (see
    /// --list-formats) [default: told from each file].
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,
    /// Read the export's password from the first line of this file [default: asked for each
    /// encrypted file].
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
    /// Show what would be imported and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// List the formats Twofold reads and exit.
    #[arg(long)]
    pub list_formats: bool,
}

/// `twofold export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// twofold (encrypted backup), aegis (encrypted), aegis-plain, 2fas, ente, otpauth or
    /// google-qr (PNG or SVG QR codes, by the output's ending).
    #[arg(long, value_name = "NAME")]
    pub format: String,
    /// The file to write (it must not exist); google-qr numbers its files when there are
    /// several (`export-1.png`, `export-2.png`, …).
    #[arg(long, short, value_name = "PATH")]
    pub output: PathBuf,
    /// Read the password of an encrypted export from the first line of this file [default:
    /// asked twice].
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
    /// Only the accounts matching this (part of an issuer, name or tag).
    #[arg(long, value_name = "QUERY")]
    pub accounts: Option<String>,
    /// Write a plain (unencrypted) export without asking.
    #[arg(long, short)]
    pub yes: bool,
}

/// `twofold clock`.
#[derive(Debug, Args)]
pub struct ClockArgs {
    /// Also ask this NTP server (`pool.ntp.org`, `time.example.com:123`), now and whenever the
    /// clock is checked.
    #[arg(long, value_name = "HOST", conflicts_with = "no_ntp")]
    pub ntp: Option<String>,
    /// Stop asking an NTP server (only the push servers are asked).
    #[arg(long)]
    pub no_ntp: bool,
}

/// `twofold code`.
#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Part of the issuer or account name, or the id.
    pub query: String,
    /// Also show the next code.
    #[arg(long)]
    pub next: bool,
    /// Compute for this Unix time instead of now (TOTP and Steam).
    #[arg(long, value_name = "UNIX-TIME")]
    pub at: Option<u64>,
}

/// `twofold rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Part of the issuer or account name, or the id.
    pub query: String,
    /// Remove without asking.
    #[arg(long, short)]
    pub yes: bool,
}

/// `twofold rename`.
#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Part of the issuer or account name, or the id.
    pub query: String,
    /// The new issuer.
    #[arg(long)]
    pub issuer: Option<String>,
    /// The new account name.
    #[arg(long)]
    pub account: Option<String>,
}

/// `twofold show-qr`.
#[derive(Debug, Args)]
pub struct ShowQrArgs {
    /// Part of the issuer or account name, or the id.
    pub query: String,
    /// Print the otpauth:// URI instead of the QR code.
    #[arg(long)]
    pub uri: bool,
}

/// `twofold recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Read the recovery key from the first line of this file [default: TWOFOLD_RECOVERY_KEY,
    /// or asked].
    #[arg(long, value_name = "PATH")]
    pub recovery_key_file: Option<PathBuf>,
    /// Protect the recovered vault with this new passphrase (first line of the file; or
    /// TWOFOLD_NEW_PASSPHRASE) instead of this computer's keychain.
    #[arg(long, value_name = "PATH")]
    pub new_passphrase_file: Option<PathBuf>,
    /// Restore from this backup file instead (as `twofold backup restore FILE`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["recovery_key_file", "new_passphrase_file"])]
    pub backup: Option<PathBuf>,
}

/// `twofold backup …`.
#[derive(Debug, Subcommand)]
pub enum BackupAction {
    /// Write a backup now, read it back and verify it.
    Now,
    /// List the backups in the folder, and how the last automatic one went.
    List,
    /// Check that a backup opens and holds accounts [default: the newest].
    Verify {
        /// The backup file.
        file: Option<PathBuf>,
        /// Open it with the recovery key or passphrase in the first line of this file
        /// [default: this vault's key when this vault wrote it, else asked].
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
    },
    /// Restore a backup (or a Twofold export): into a new vault as it is, or into the
    /// existing one with duplicates skipped.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// Choose the folder, switch automatic backups on or off, set a backup passphrase.
    Config {
        /// The folder backups go to (a folder your cloud drive syncs is a good choice).
        #[arg(long, value_name = "PATH")]
        folder: Option<PathBuf>,
        /// Switch automatic backups on.
        #[arg(long, conflicts_with = "off")]
        on: bool,
        /// Switch automatic backups off.
        #[arg(long)]
        off: bool,
        /// A backup passphrase (first line of this file) that also opens every backup from now on.
        #[arg(long, value_name = "PATH", conflicts_with = "remove_passphrase")]
        passphrase_file: Option<PathBuf>,
        /// Stop sealing new backups to the backup passphrase.
        #[arg(long)]
        remove_passphrase: bool,
    },
}

/// `twofold passphrase`.
#[derive(Debug, Subcommand)]
pub enum PassphraseAction {
    /// Set or change the passphrase (the new one comes from --new-passphrase-file,
    /// TWOFOLD_NEW_PASSPHRASE or a prompt).
    Set {
        /// Read the new passphrase from the first line of this file.
        #[arg(long, value_name = "PATH")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Remove the passphrase and keep the key in the OS keychain.
    Remove,
}
