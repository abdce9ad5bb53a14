// The keychain warning against a mock backend: the risk said plainly, the passphrase asked twice,
// and the vault protected only with two equal, non-empty passphrases.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { onError } from "../errors";
import type { VaultStatus } from "../ipc";

const backend = vi.hoisted(() => ({ protectWithPassphrase: vi.fn() }));
vi.mock("../ipc", () => backend);

import KeychainWarning from "./KeychainWarning.svelte";

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;
const protectedWith: VaultStatus[] = [];

beforeEach(() => {
  target = document.createElement("div");
  document.body.appendChild(target);
  protectedWith.length = 0;
  backend.protectWithPassphrase.mockReset();
});

afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  target.remove();
});

// An error reported here is a failure of the test.
onError((e) => {
  throw e;
});

function show(state: "unreachable" | "restored") {
  component = mount(KeychainWarning, {
    target,
    props: {
      health: { state, reason: state === "unreachable" ? "gone" : "" },
      onprotected: (s: VaultStatus) => protectedWith.push(s),
      ondismiss: () => {},
    },
  });
  flushSync();
}

function type(id: string, value: string) {
  const input = target.querySelector<HTMLInputElement>(`#${id}`)!;
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

it("says the vault is at risk and protects it with a passphrase typed twice", async () => {
  show("unreachable");
  expect(target.querySelector('[role="alert"]')?.textContent).toContain("not reachable");
  const button = target.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  expect(button.disabled).toBe(true);
  type("keychain-pass", "lifeline");
  type("keychain-again", "lifelime");
  expect(target.textContent).toContain("The two passphrases differ.");
  expect(button.disabled).toBe(true);
  type("keychain-again", "lifeline");
  expect(button.disabled).toBe(false);
  const status: VaultStatus = { state: "unlocked", needs_passphrase: true, path: "/v", has_recovery_key: true };
  backend.protectWithPassphrase.mockResolvedValue(status);
  button.click();
  await vi.waitFor(() => expect(protectedWith).toEqual([status]));
  expect(backend.protectWithPassphrase).toHaveBeenCalledWith("lifeline");
});

it("tells once that the key was put back", () => {
  show("restored");
  expect(target.querySelector('[role="status"]')?.textContent).toContain("put it back");
  expect(target.querySelector("form")).toBeNull();
});
