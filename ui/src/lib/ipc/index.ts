// The one module that talks to Rust. Components import these functions, never @tauri-apps/api.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";

import type {
  AnswerView,
  ApprovalView,
  Decision,
  DenyReason,
  RequestStatus,
  DetailRow,
  EnrollmentOffer,
  PushDeviceView,
  AccountEdit,
  CodeView,
  ErrorCode,
  FieldProblem,
  IpcError,
  KeychainHealth,
  ManualEntry,
  Preview,
  PreviewItem,
  Settings,
  SortOrder,
  VaultStatus,
} from "./bindings";

export type { AnswerView, ApprovalView, Decision, DenyReason, DetailRow, EnrollmentOffer, PushDeviceView, RequestStatus };
export type { KeychainHealth };
export type { AccountEdit, CodeView, ErrorCode, FieldProblem, IpcError, ManualEntry, Preview, PreviewItem, Settings, SortOrder, VaultStatus };
export type VaultState = VaultStatus["state"];

export function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export const vaultStatus = () => invoke<VaultStatus>("vault_status");
export const createVault = (passphrase: string | null) => invoke<VaultStatus>("create_vault", { passphrase });
export const unlock = (passphrase: string | null) => invoke<VaultStatus>("unlock", { passphrase });
export const lock = () => invoke<VaultStatus>("lock");
/** Whether the keychain still holds the open vault's key (Rust puts it back when it was lost). */
export const checkKeychain = () => invoke<KeychainHealth>("check_keychain");
/** Moves the open vault behind a passphrase: the way out when the keychain is gone. */
export const protectWithPassphrase = (passphrase: string) => invoke<VaultStatus>("protect_with_passphrase", { passphrase });
export const listCodes = () => invoke<CodeView[]>("list_codes");
export const nextHotp = (id: string) => invoke<CodeView>("next_hotp", { id });
export const addManual = (entry: ManualEntry) => invoke<string>("add_manual", { entry });

// Managing. copyCode writes the clipboard from Rust and clears it after the user's delay.
export const copyCode = (id: string, next: boolean) => invoke<CodeView>("copy_code", { id, next });
export const updateAccount = (id: string, edit: AccountEdit) => invoke<CodeView>("update_account", { id, edit });
export const moveAccount = (id: string, index: number) => invoke<null>("move_account", { id, index });
export const deleteAccount = (id: string) => invoke<null>("delete_account", { id });
export const undoDelete = () => invoke<string>("undo_delete");
/** The one seed export: an SVG QR code of the account, after the user confirmed. */
export const exportQr = (id: string) => invoke<string>("export_qr", { id });
/** Tells Rust the first codes are on the screen (start-up time; benchmarks read it). */
export const uiReady = (what: string) => invoke<null>("ui_ready", { what });
/** The first screen is up: Rust makes the tray icon then, off the start-up path. */
export const pageShown = () => invoke<null>("page_shown");
export const getSettings = () => invoke<Settings>("get_settings");
export const setSettings = (settings: Settings) => invoke<Settings>("set_settings", { settings });

// Adding: every path gives a preview; nothing is saved until confirmAdd.
export const previewLink = (text: string) => invoke<Preview>("preview_link", { text });
/** The links the browser or a second launch handed over, all of them in order, previewed in Rust. */
export const previewOpenedLinks = () => invoke<Preview | null>("preview_opened_links");
/** An image's bytes go as the raw request body, not as JSON. */
export const scanImage = (bytes: Uint8Array) => invoke<Preview>("scan_image", bytes);
export const scanFile = (path: string) => invoke<Preview>("scan_file", { path });
export const scanClipboard = () => invoke<Preview>("scan_clipboard");
export const scanScreen = () => invoke<Preview>("scan_screen");
export const confirmAdd = (id: number, indexes: number[]) => invoke<string[]>("confirm_add", { id, indexes });
export const cancelAdd = () => invoke<null>("cancel_add");

// Push approval: requests wait in Rust (one listener per enrolled device); answers are signed there.
export const pushPending = () => invoke<ApprovalView[]>("push_pending");
export const pushAnswer = (uuid: string, decision: Decision, number: number | null) =>
  invoke<AnswerView>("push_answer", { uuid, decision, number });
export const pushDevices = () => invoke<PushDeviceView[]>("push_devices");
export const pushRemove = (uuid: string) => invoke<null>("push_remove", { uuid });
/** Enrolls this computer from the preview's `twofold://enroll` link. */
export const confirmEnroll = (id: number, name: string | null) => invoke<PushDeviceView>("confirm_enroll", { id, name });
/** Calls `handler` when the waiting approval requests change (then pushPending). */
export const onPushChanged = (handler: () => void): Promise<() => void> => listen("twofold://push", handler);

/** Calls `handler` when the browser or a second launch hands over links (then previewOpenedLinks). */
export const onLinksOpened = (handler: () => void): Promise<() => void> => listen("twofold://links", handler);
/** Calls `handler` when the vault was locked from outside the page (the tray). */
export const onLockedOutside = (handler: () => void): Promise<() => void> => listen("twofold://locked", handler);

/** Calls `handler` with the paths of files dropped on the window; returns the unsubscribe. */
export async function onFilesDropped(handler: (paths: string[]) => void): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent((event) => {
    if (event.payload.type === "drop" && event.payload.paths.length > 0) handler(event.payload.paths);
  });
}
