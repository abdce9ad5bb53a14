// The one module that talks to Rust. Components import these functions, never @tauri-apps/api.
import { invoke } from "@tauri-apps/api/core";

import type { CodeView, ErrorCode, FieldProblem, IpcError, ManualEntry, VaultStatus } from "./bindings";

export type { CodeView, ErrorCode, FieldProblem, IpcError, ManualEntry, VaultStatus };
export type VaultState = VaultStatus["state"];

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
export const addManual = (entry: ManualEntry) => invoke<string>("add_manual", { entry });
