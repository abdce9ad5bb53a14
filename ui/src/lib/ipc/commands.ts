// Generated from the #[tauri::command] signatures by src-tauri/tests/ipc_commands.rs. Do not edit.
import { invoke } from "@tauri-apps/api/core";
import type { AccountEdit, AnswerView, ApprovalView, BackupOffer, BackupView, ClockView, CodeView, Decision, ExportChoice, ExportDone, ImportStep, KeychainHealth, ManualEntry, Preview, PushDeviceView, QrExport, RecoveryKeyOffer, Settings, SyncDeviceView, SyncLinkView, SyncView, VaultStatus } from "./bindings";

export const vaultStatus = () => invoke<VaultStatus>("vault_status");
export const createVault = (passphrase: string | null) => invoke<VaultStatus>("create_vault", { passphrase });
export const unlock = (passphrase: string | null) => invoke<VaultStatus>("unlock", { passphrase });
export const lock = () => invoke<VaultStatus>("lock");
/** Checks that the keychain still holds the open vault's key and puts it back when it was lost (the UI asks after unlocking, on focus and every minute). */
export const checkKeychain = () => invoke<KeychainHealth>("check_keychain");
/** Moves the open vault from the keychain to a passphrase (a new key; works with the keychain gone, which is when it is needed). */
export const protectWithPassphrase = (passphrase: string) => invoke<VaultStatus>("protect_with_passphrase", { passphrase });
/** The page reports that its first codes are on the screen. With `TWOFOLD_REPORT_READY` set (the start-up benchmark), the moment is printed on stdout. */
export const uiReady = (what: string) => invoke<null>("ui_ready", { what });
/** Makes a recovery key for the open vault and returns it to show, with the groups to type back. The vault does not use it until `confirm_recovery_key`; a vault that has one keeps it until then. */
export const newRecoveryKey = () => invoke<RecoveryKeyOffer>("new_recovery_key");
/** Checks the groups typed back (in the order asked) and, when they match, seals the vault to the new key: from now on it opens the vault and every backup written after. A key that replaces an older one re-keys the vault, so the old key opens nothing written from now on. */
export const confirmRecoveryKey = (answers: string[]) => invoke<VaultStatus>("confirm_recovery_key", { answers });
/** Opens the vault with its recovery key and gives it a new key: in this computer's keychain, or under `passphrase` when one is given. A wrong key changes nothing. */
export const recoverVault = (recoveryKey: string, passphrase: string | null) => invoke<VaultStatus>("recover_vault", { recoveryKey, passphrase });
/** A backup file's bytes (the raw request body), kept until `restore_backup` opens it. */
export const stageBackup = (body: Uint8Array) => invoke<BackupOffer>("stage_backup", body);
/** Opens the staged backup with `password` (the recovery key as written, or a passphrase) and makes it the vault: a new vault with exactly its accounts, its key in the keychain or under `passphrase`. A vault already there that this app cannot open (its key gone) is renamed beside it first, never deleted; an open vault is never replaced (restore into it through import instead). */
export const restoreBackup = (password: string, passphrase: string | null) => invoke<VaultStatus>("restore_backup", { password, passphrase });
export const backupStatus = () => invoke<BackupView>("backup_status");
/** Writes and verifies a backup of the open vault now. */
export const backupNow = () => invoke<BackupView>("backup_now");
/** Turns automatic backups on or off and sets their folder (`None`: the default beside the vault). The folder must be an absolute path; it is made (private to the user) when missing, and a backup follows at once. */
export const setBackupFolder = (enabled: boolean, folder: string | null) => invoke<BackupView>("set_backup_folder", { enabled, folder });
/** Sets the backup passphrase (only its public half is kept: backups open with it, the vault does not), or removes it with `None`. */
export const setBackupPassphrase = (passphrase: string | null) => invoke<BackupView>("set_backup_passphrase", { passphrase });
/** The clock as last measured, measured again when an hour has passed (or `force`). The page asks at start, on focus and every few minutes. */
export const checkClock = (force: boolean) => invoke<ClockView>("check_clock", { force });
/** Turns on asking an NTP server (`None` turns it off), then measures at once. */
export const setClockNtp = (server: string | null) => invoke<ClockView>("set_clock_ntp", { server });
/** The page has shown its first screen: now the tray icon is made (off the start-up path, where it would delay the first codes). */
export const pageShown = () => invoke<null>("page_shown");
/** The page asks to hide the window (a quick copy is done, or Escape). */
export const hideWindow = () => invoke<null>("hide_window");
export const listCodes = () => invoke<CodeView[]>("list_codes");
/** A pasted or typed `otpauth://` or `otpauth-migration://` link. */
export const previewLink = (text: string) => invoke<Preview>("preview_link", { text });
/** An image sent as the raw request body (a file picked in the page, or a pasted image). */
export const scanImage = (body: Uint8Array) => invoke<Preview>("scan_image", body);
/** An image file by path (a file dropped on the window). */
export const scanFile = (path: string) => invoke<Preview>("scan_file", { path });
/** Whatever is on the clipboard: an image with a QR code, or a link. */
export const scanClipboard = () => invoke<Preview>("scan_clipboard");
/** Every screen, captured in memory and searched for QR codes. On Wayland the desktop portal asks the user to pick the area; its capture file is read and deleted at once. */
export const scanScreen = () => invoke<Preview>("scan_screen");
/** Saves the chosen accounts of the pending preview (by index) and returns their ids. Duplicates among them are skipped, not added twice. */
export const confirmAdd = (id: number, indexes: number[]) => invoke<string[]>("confirm_add", { id, indexes });
/** Drops the pending preview. */
export const cancelAdd = () => invoke<null>("cancel_add");
/** The links the browser or a second launch handed over since the last call, every one in the order they came, as one preview (`None` when none waits). While the vault is locked they stay queued. */
export const previewOpenedLinks = () => invoke<Preview | null>("preview_opened_links");
/** A file by path (dropped on the window): an export, or an image with QR codes. */
export const openFile = (path: string) => invoke<ImportStep>("open_file", { path });
/** A file picked in the page, its bytes as the raw request body. */
export const openFileBytes = (body: Uint8Array) => invoke<ImportStep>("open_file_bytes", body);
/** The password of the encrypted export waiting: its preview. A wrong password keeps the file waiting for another try. */
export const importPassword = (password: string) => invoke<ImportStep>("import_password", { password });
/** The formats Twofold exports. */
export const exportFormats = () => invoke<ExportChoice[]>("export_formats");
/** Exports every account in `format` (a password for encrypted ones) to a new file in the Downloads folder, readable by the user only. */
export const exportAccounts = (format: string, password: string | null) => invoke<ExportDone>("export_accounts", { format, password });
/** Google Authenticator's export: the QR codes to scan with the phone, one after another. */
export const exportGoogleQr = () => invoke<QrExport>("export_google_qr");
/** Copies an account's current code (or the next one) to the clipboard, marked for clipboard managers to leave out of their history, and clears it after the user's delay if it is still there. Returns what was copied. */
export const copyCode = (id: string, next: boolean) => invoke<CodeView>("copy_code", { id, next });
/** Changes an account's issuer, name, tags, colour, icon and pin. */
export const updateAccount = (id: string, edit: AccountEdit) => invoke<CodeView>("update_account", { id, edit });
/** Moves an account to `index` in the user's order. */
export const moveAccount = (id: string, index: number) => invoke<null>("move_account", { id, index });
/** Deletes an account. The app keeps it in memory (never on disk) until the next delete or lock, so `undo_delete` can put it back where it was. */
export const deleteAccount = (id: string) => invoke<null>("delete_account", { id });
/** Puts the last deleted account back; returns its id. */
export const undoDelete = () => invoke<string>("undo_delete");
/** The one export of a seed: the account as an SVG QR code to scan with a phone. The page asks the user to confirm before it calls this. */
export const exportQr = (id: string) => invoke<string>("export_qr", { id });
export const getSettings = () => invoke<Settings>("get_settings");
/** Checks and saves the settings. */
export const setSettings = (settings: Settings) => invoke<Settings>("set_settings", { settings });
export const addManual = (entry: ManualEntry) => invoke<string>("add_manual", { entry });
export const nextHotp = (id: string) => invoke<CodeView>("next_hotp", { id });
/** The requests waiting for an answer, oldest first (expired ones left out). */
export const pushPending = () => invoke<ApprovalView[]>("push_pending");
/** Answers a waiting request: `approve` (with the typed number when asked), `deny` or `not_me`. With "unlock to approve" on, approving needs the vault unlocked. */
export const pushAnswer = (uuid: string, decision: Decision, number: number | null) => invoke<AnswerView>("push_answer", { uuid, decision, number });
/** The devices enrolled on this computer. */
export const pushDevices = () => invoke<PushDeviceView[]>("push_devices");
/** Revokes a device at its server and forgets it here. */
export const pushRemove = (uuid: string) => invoke<null>("push_remove", { uuid });
/** Enrolls this computer from the previewed `twofold://enroll` link: a new key pair (private key in the keychain), the app's codes added to the vault, and a listener started. */
export const confirmEnroll = (id: number, name: string | null) => invoke<PushDeviceView>("confirm_enroll", { id, name });
/** Where sync stands. */
export const syncStatus = () => invoke<SyncView>("sync_status");
/** Joins a space: `link` (another computer's link, or an operator's invitation) or `server` (a new space on a server open to anyone), as `name`; the vault's accounts go up and the space's come down at once. */
export const syncJoin = (link: string | null, server: string | null, name: string) => invoke<SyncView>("sync_join", { link, server, name });
/** A one-time link (ten minutes) that adds another computer, with its QR code. */
export const syncLink = () => invoke<SyncLinkView>("sync_link");
/** The space's computers. */
export const syncDevices = () => invoke<SyncDeviceView[]>("sync_devices");
/** Removes another computer (after a round, so this one holds every record): the space key changes, so it reads nothing written from then on. */
export const syncRemove = (uuid: string) => invoke<SyncDeviceView[]>("sync_remove", { uuid });
/** This computer leaves the space (its vault keeps every account). */
export const syncLeave = () => invoke<SyncView>("sync_leave");
/** Syncs now. */
export const syncNow = () => invoke<SyncView>("sync_now");
