// Generated from the Rust types in src-tauri by `typescript_bindings()`. Do not edit.

export type ErrorCode = "no_vault" | "locked" | "passphrase_required" | "wrong_passphrase" | "no_keychain" | "invalid_uri" | "invalid_fields" | "duplicate" | "no_code" | "not_found" | "clipboard" | "push" | "sync" | "disk_full" | "damaged" | "newer_version" | "key_missing" | "no_recovery_key" | "already_exists" | "io" | "invalid_file" | "internal";

export type FieldProblem = { field: string, message: string, };

export type IpcError = { code: ErrorCode, message: string, fields: Array<FieldProblem>, };

export type ManualEntry = { issuer: string, name: string, secret: string, kind: string, algorithm: string, digits: string, period: string, counter: string, };

export type VaultState = "missing" | "locked" | "unlocked";

export type VaultStatus = { state: VaultState, 
/**
 * Unlocking needs a passphrase.
 */
needs_passphrase: boolean, 
/**
 * The vault file.
 */
path: string, 
/**
 * The vault has a recovery key (else the page asks the user to make one).
 */
has_recovery_key: boolean, };

export type KeychainState = "ok" | "restored" | "unreachable";

export type OtpKind = "totp" | "hotp" | "steam";

export type KeychainHealth = { state: KeychainState, 
/**
 * Why the keychain is unreachable, in the system's words (empty otherwise); the UI says
 * the rest in the user's language.
 */
reason: string, };

export type CodeView = { id: string, issuer: string, name: string, kind: OtpKind, code: string, next_code: string, period: number | null, seconds_left: number | null, tags: Array<string>, 
/**
 * `#rrggbb` the user picked, or null for the colour made from the issuer.
 */
color: string | null, 
/**
 * The icon the user picked (`""`: none), or null for the one matched to the issuer.
 */
icon: string | null, pinned: boolean, 
/**
 * Unix seconds a code was last copied.
 */
last_used_at: number | null, };

export type PreviewItem = { index: number, issuer: string, name: string, kind: OtpKind, algorithm: string, digits: number, period: number | null, 
/**
 * The display name of the account already in the vault with the same secret (or of an
 * earlier entry of the same import).
 */
duplicate_of: string | null, 
/**
 * The tags it comes with (an import's groups).
 */
tags: Array<string>, };

export type Preview = { id: number, 
/**
 * `link`, `image`, `clipboard`, `screen` or `file` (another app's export).
 */
source: string, items: Array<PreviewItem>, 
/**
 * QR codes or texts that were found but are not accounts, each with the reason.
 */
problems: Array<string>, 
/**
 * A push-approval enrollment found among them (confirm it with `confirm_enroll`).
 */
enrollment: EnrollmentOffer | null, };

export type AccountEdit = { issuer: string, name: string, tags: Array<string>, 
/**
 * `#rrggbb`, or null for the colour made from the issuer.
 */
color: string | null, 
/**
 * The icon: null matched by the app, `""` none (the initials), a slug the one picked.
 */
icon: string | null, pinned: boolean, };

export type SortOrder = "name" | "recent" | "manual";

export type Settings = { 
/**
 * Lock after this many minutes without input; 0 never.
 */
auto_lock_minutes: number, 
/**
 * Clear a copied code from the clipboard after this many seconds; 0 never.
 */
clipboard_clear_seconds: number, sort: SortOrder, 
/**
 * Closing the window hides it to the tray instead of quitting.
 */
close_to_tray: boolean, 
/**
 * Start with the session, in the background (so login approvals arrive).
 */
start_at_login: boolean, 
/**
 * A login can be approved only while the vault is unlocked (denying always works).
 */
unlock_to_approve: boolean, 
/**
 * The language of the window and the tray (`de`, …); none: the system's.
 */
language: string | null, 
/**
 * The key that brings the window up with the search focused ("Ctrl+Alt+K"); none: no
 * shortcut (the default: a key taken for the whole desktop is the user's choice).
 */
global_shortcut: string | null, };

export type EnrollmentOffer = { 
/**
 * The server's base URL.
 */
server: string, 
/**
 * The application that asks, when the link names it.
 */
app: string | null, };

export type ImportStep = { "step": "preview", preview: Preview, } | { "step": "password", 
/**
 * The app that wrote it.
 */
app: string, 
/**
 * The format's name.
 */
format: string, };

export type ExportChoice = { id: string, name: string, 
/**
 * Needs a password (else the file holds every secret readable).
 */
encrypted: boolean, };

export type ExportDone = { 
/**
 * Where the file is.
 */
path: string, accounts: number, 
/**
 * Accounts the format cannot hold, with why.
 */
skipped: Array<string>, };

export type QrExport = { 
/**
 * SVG images, in order.
 */
codes: Array<string>, accounts: number, skipped: Array<string>, };

export type RecoveryKeyOffer = { 
/**
 * Nine groups of four characters joined by hyphens.
 */
key: string, 
/**
 * The groups (1 to 9) to type back, in order.
 */
confirm: Array<number>, };

export type BackupOffer = { 
/**
 * When it was written (Unix seconds, as the file says).
 */
created_at: number, 
/**
 * What opens it: `recovery-key`, `backup-passphrase`, `passphrase` (an export's own).
 */
opens_with: Array<string>, };

export type BackupDone = { file: string, 
/**
 * Unix seconds.
 */
at: number, accounts: number, };

export type BackupView = { enabled: boolean, 
/**
 * The folder backups go to.
 */
folder: string, 
/**
 * The folder is the default one beside the vault.
 */
default_folder: boolean, 
/**
 * The last backup written and verified.
 */
last: BackupDone | null, 
/**
 * Why the last attempt failed (`None` after a success).
 */
error: string | null, 
/**
 * A backup passphrase is set.
 */
has_passphrase: boolean, 
/**
 * The vault has a recovery key.
 */
has_recovery_key: boolean, 
/**
 * Backup files in the folder.
 */
files: number, };

export type ClockView = { 
/**
 * The last measurement: the reference's time minus this computer's, in seconds.
 */
offset_seconds: number | null, 
/**
 * What it was measured against.
 */
source: string | null, 
/**
 * What to tell the user when the clock is more than 15 s off.
 */
warning: string | null, 
/**
 * The NTP server the user turned on.
 */
ntp_server: string | null, };

export type SyncState = "off" | "synced" | "syncing" | "locked" | "offline" | "error";

export type SyncView = { state: SyncState, 
/**
 * Why it is offline or failing.
 */
reason: string | null, 
/**
 * The server, when this computer syncs.
 */
server: string | null, 
/**
 * This computer's name in the space.
 */
name: string | null, 
/**
 * When the last round finished (Unix seconds).
 */
last_sync_at: number | null, 
/**
 * Changes made here and not sent yet.
 */
pending: number, };

export type SyncDeviceView = { uuid: string, name: string, platform: string, last_seen_at: number | null, 
/**
 * This computer.
 */
this: boolean, };

export type SyncLinkView = { link: string, 
/**
 * The QR code as SVG.
 */
svg: string, 
/**
 * Seconds it works for.
 */
expires_in: number, };

export type DetailRow = { key: string, value: string, };

export type ApprovalView = { uuid: string, app_name: string, message: string, details: Array<DetailRow>, 
/**
 * Where the login comes from, when the website said.
 */
requester_ip: string | null, requester_location: string | null, created_at: number, expires_at: number | null, 
/**
 * The user must type the number the website shows.
 */
number_required: boolean, 
/**
 * The enrolled device (this computer's name for it) that received it.
 */
device_name: string, 
/**
 * Approving waits for an unlock (the user's "unlock to approve" setting, and the vault is
 * locked); denying does not.
 */
approve_needs_unlock: boolean, };

export type PushDeviceView = { uuid: string, name: string, server: string, app_name: string, };

export type AnswerView = { 
/**
 * `approved` or `denied`.
 */
status: RequestStatus, 
/**
 * `not_me` or `wrong_number` when denied so.
 */
reason: DenyReason | null, };

export type RequestStatus = "pending" | "approved" | "denied" | "expired";

export type DenyReason = "not_me" | "wrong_number";

export type Decision = "approve" | "deny" | "not_me";

