// The recovery key panel against a mock backend: the key shown in numbered groups, the groups
// asked typed back, Rust's verdict on each shown beside it, and the vault reported only once
// Rust accepted them.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { flushSync, mount, tick, unmount } from "svelte";
import { onError } from "../errors";
import type { VaultStatus } from "../ipc";

const backend = vi.hoisted(() => ({ newRecoveryKey: vi.fn(), confirmRecoveryKey: vi.fn() }));
vi.mock("../ipc", () => backend);

import RecoveryKeyPanel from "./RecoveryKeyPanel.svelte";

const KEY = "E1RQ-4WVM-ENV7-EY3S-F9XQ-RZBY-FY08-30M3-C97A";
let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;
const done: VaultStatus[] = [];

beforeEach(() => {
  target = document.createElement("div");
  document.body.appendChild(target);
  done.length = 0;
  backend.newRecoveryKey.mockReset().mockResolvedValue({ key: KEY, confirm: [3, 7] });
  backend.confirmRecoveryKey.mockReset();
});

afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  target.remove();
});

onError((e) => {
  throw e;
});

async function settle() {
  for (let i = 0; i < 5; i++) {
    await tick();
    await Promise.resolve();
  }
  flushSync();
}

function button(text: string): HTMLButtonElement {
  const b = Array.from(target.querySelectorAll("button")).find((x) => x.textContent?.trim() === text);
  if (!b) throw new Error(`no button ${text}`);
  return b as HTMLButtonElement;
}

it("shows the key in numbered groups, then asks for the groups Rust chose", async () => {
  component = mount(RecoveryKeyPanel, { target, props: { ondone: (s: VaultStatus) => done.push(s), onlater: () => {} } });
  await settle();
  const key = target.querySelector("[data-recovery-key]")!;
  expect(key.getAttribute("data-recovery-key")).toBe(KEY);
  expect(key.querySelectorAll(".group").length).toBe(9);
  expect(key.getAttribute("aria-label")).toContain("E1RQ 4WVM");
  button("I wrote it down").click();
  flushSync();
  const inputs = Array.from(target.querySelectorAll<HTMLInputElement>("input[data-group]"));
  expect(inputs.map((i) => i.dataset.group)).toEqual(["3", "7"]);
  // The key is no longer on the screen while the user types it back.
  expect(target.querySelector("[data-recovery-key]")).toBeNull();
});

it("shows Rust's verdict beside each wrong group and reports the vault once accepted", async () => {
  component = mount(RecoveryKeyPanel, { target, props: { ondone: (s: VaultStatus) => done.push(s), onlater: () => {} } });
  await settle();
  button("I wrote it down").click();
  flushSync();
  const [a, b] = Array.from(target.querySelectorAll<HTMLInputElement>("input[data-group]"));
  a.value = "ENV7";
  a.dispatchEvent(new Event("input"));
  b.value = "XXXX";
  b.dispatchEvent(new Event("input"));
  backend.confirmRecoveryKey.mockRejectedValueOnce({ code: "invalid_fields", message: "x", fields: [{ field: "group_7", message: "this is not group 7 of the key shown" }] });
  button("Confirm").click();
  await settle();
  expect(backend.confirmRecoveryKey).toHaveBeenLastCalledWith(["ENV7", "XXXX"]);
  expect(target.querySelector("[data-field='group_7']")?.textContent).toContain("not group 7");
  expect(b.getAttribute("aria-invalid")).toBe("true");
  expect(done).toEqual([]);
  const status: VaultStatus = { state: "unlocked", needs_passphrase: false, path: "/v", has_recovery_key: true };
  backend.confirmRecoveryKey.mockResolvedValueOnce(status);
  b.value = "30M3";
  b.dispatchEvent(new Event("input"));
  button("Confirm").click();
  await settle();
  expect(backend.confirmRecoveryKey).toHaveBeenLastCalledWith(["ENV7", "30M3"]);
  expect(done).toEqual([status]);
});
