// Generated from the Rust types in src-tauri by `typescript_bindings()`. Do not edit.

export type ErrorCode = "no_vault" | "locked" | "passphrase_required" | "wrong_passphrase" | "no_keychain" | "invalid_uri" | "invalid_fields" | "duplicate" | "no_code" | "not_found" | "clipboard" | "vault";

export type FieldProblem = { field: string, message: string, };

export type IpcError = { code: ErrorCode, message: string, fields: Array<FieldProblem>, };

export type ManualEntry = { issuer: string, name: string, secret: string, kind: string, algorithm: string, digits: string, period: string, counter: string, };

export type VaultStatus = { 
/**
 * `missing`, `locked` or `unlocked`.
 */
state: "missing" | "locked" | "unlocked", 
/**
 * Unlocking needs a passphrase.
 */
needs_passphrase: boolean, 
/**
 * The vault file.
 */
path: string, };

export type CodeView = { id: string, issuer: string, name: string, kind: "totp" | "hotp" | "steam", code: string, next_code: string, period: number | null, seconds_left: number | null, tags: Array<string>, 
/**
 * `#rrggbb` the user picked, or null for the colour made from the issuer.
 */
color: string | null, pinned: boolean, 
/**
 * Unix seconds a code was last copied.
 */
last_used_at: number | null, };

export type PreviewItem = { index: number, issuer: string, name: string, kind: "totp" | "hotp" | "steam", algorithm: string, digits: number, period: number | null, 
/**
 * The display name of the account already in the vault with the same secret.
 */
duplicate_of: string | null, };

export type Preview = { id: number, 
/**
 * `link`, `image`, `clipboard` or `screen`.
 */
source: string, items: Array<PreviewItem>, 
/**
 * QR codes or texts that were found but are not accounts, each with the reason.
 */
problems: Array<string>, };

export type AccountEdit = { issuer: string, name: string, tags: Array<string>, 
/**
 * `#rrggbb`, or null for the colour made from the issuer.
 */
color: string | null, pinned: boolean, };

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
close_to_tray: boolean, };

