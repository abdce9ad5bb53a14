// The one module that talks to Rust. Components import these functions, never @tauri-apps/api.
import { invoke } from "@tauri-apps/api/core";

/** Error codes the Rust side can return (mirrors `src-tauri/src/error.rs`). */
export type ErrorCode =
  | "no_vault"
  | "locked"
  | "passphrase_required"
  | "wrong_passphrase"
  | "no_keychain"
  | "invalid_uri"
  | "duplicate"
  | "not_found"
  | "vault";

export interface IpcError {
  code: ErrorCode;
  message: string;
}

export type VaultState = "missing" | "locked" | "unlocked";

export interface VaultStatus {
  state: VaultState;
  needs_passphrase: boolean;
  path: string;
}

export interface CodeView {
  id: string;
  issuer: string;
  name: string;
  kind: "totp" | "hotp" | "steam";
  code: string;
  next_code: string;
  period: number | null;
  seconds_left: number | null;
}

export function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export const vaultStatus = () => invoke<VaultStatus>("vault_status");
export const createVault = (passphrase: string | null) => invoke<VaultStatus>("create_vault", { passphrase });
export const unlock = (passphrase: string | null) => invoke<VaultStatus>("unlock", { passphrase });
export const lock = () => invoke<VaultStatus>("lock");
export const listCodes = () => invoke<CodeView[]>("list_codes");
export const addUri = (uri: string) => invoke<string[]>("add_uri", { uri });
export const nextHotp = (id: string) => invoke<CodeView>("next_hotp", { id });
