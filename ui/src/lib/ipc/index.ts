// The one module that talks to Rust. Components import these functions, never @tauri-apps/api.
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { listCodes, vaultStatus } from "./commands";

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
  VaultState,
  KeychainState,
  OtpKind,
  ImportStep,
  ExportChoice,
  ExportDone,
  QrExport,
  RecoveryKeyOffer,
  BackupOffer,
  BackupDone,
  BackupView,
  ClockView,
  SyncState,
  SyncView,
  SyncDeviceView,
  SyncLinkView,
} from "./bindings";

export type { AnswerView, ApprovalView, Decision, DenyReason, DetailRow, EnrollmentOffer, PushDeviceView, RequestStatus };
export type { KeychainHealth };
export type { AccountEdit, CodeView, ErrorCode, FieldProblem, IpcError, ManualEntry, Preview, PreviewItem, Settings, SortOrder, VaultStatus };
export type { VaultState, KeychainState, OtpKind };
export type { ImportStep, ExportChoice, ExportDone, QrExport };
export type { RecoveryKeyOffer, BackupOffer, BackupDone, BackupView, ClockView };
export type { SyncState, SyncView, SyncDeviceView, SyncLinkView };

export function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

// Every command's typed wrapper, generated from its Rust signature.
export * from "./commands";

/** Calls `handler` when the waiting approval requests change (then pushPending). */
export const onPushChanged = (handler: () => void): Promise<() => void> => listen("twofold://push", handler);

/** Calls `handler` when the browser or a second launch hands over links (then previewOpenedLinks). */
export const onLinksOpened = (handler: () => void): Promise<() => void> => listen("twofold://links", handler);
/** Calls `handler` when the vault was locked from outside the page (the tray). */
export const onLockedOutside = (handler: () => void): Promise<() => void> => listen("twofold://locked", handler);

/** Calls `handler` when the global shortcut (or `--quick`) brought the window up for a quick copy. */
export const onQuick = (handler: () => void): Promise<() => void> => listen("twofold://quick", handler);

/** Calls `handler` when an automatic backup ran (then backupStatus). */
export const onBackupChanged = (handler: () => void): Promise<() => void> => listen("twofold://backup", handler);

/** Calls `handler` when sync's state changed or a round changed the vault (then syncStatus and the codes). */
export const onSyncChanged = (handler: () => void): Promise<() => void> => listen("twofold://sync", handler);

/** Calls `handler` with the paths of files dropped on the window; returns the unsubscribe. */
export async function onFilesDropped(handler: (paths: string[]) => void): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent((event) => {
    if (event.payload.type === "drop" && event.payload.paths.length > 0) handler(event.payload.paths);
  });
}

// The first two questions leave before the page is built (`startEarly`, at the top of main.ts):
// Rust answers them while the script mounts the app, instead of one after the other once the
// shell, then the code list, are on the page.
let earlyStatus: Promise<VaultStatus> | null = null;
let earlyCodes: Promise<CodeView[]> | null = null;

/** Asks for the vault's state and its codes at once (a locked vault's refusal is kept quiet). */
export function startEarly(): void {
  earlyStatus = vaultStatus();
  earlyCodes = listCodes();
  earlyCodes.catch(() => {});
}

/** The vault's state: the answer asked for by `startEarly` the first time, then a new one. */
export function firstVaultStatus(): Promise<VaultStatus> {
  const early = earlyStatus;
  earlyStatus = null;
  return early ?? vaultStatus();
}

/** The codes: those asked for by `startEarly` the first time (asked again if the vault was
 *  locked then), then new ones. */
export function firstCodes(): Promise<CodeView[]> {
  const early = earlyCodes;
  earlyCodes = null;
  return early ? early.catch(() => listCodes()) : listCodes();
}
