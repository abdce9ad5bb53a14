// Generated from the Rust types in src-tauri by `typescript_bindings()`. Do not edit.

export type ErrorCode = "no_vault" | "locked" | "passphrase_required" | "wrong_passphrase" | "no_keychain" | "invalid_uri" | "invalid_fields" | "duplicate" | "not_found" | "vault";

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

export type CodeView = { id: string, issuer: string, name: string, kind: "totp" | "hotp" | "steam", code: string, next_code: string, period: number | null, seconds_left: number | null, };

