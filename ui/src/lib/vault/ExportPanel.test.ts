// The export panel against a mock backend: an encrypted export only with two equal passwords of
// eight characters or more, a plain one only after "I understand", and Google's codes shown one
// after another.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { flushSync, mount, tick, unmount } from "svelte";
import { onError } from "../errors";

const backend = vi.hoisted(() => ({
  exportFormats: vi.fn(),
  exportAccounts: vi.fn(),
  exportGoogleQr: vi.fn(),
}));
vi.mock("../ipc", () => backend);

import ExportPanel from "./ExportPanel.svelte";

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

beforeEach(async () => {
  target = document.createElement("div");
  document.body.appendChild(target);
  for (const f of Object.values(backend)) f.mockReset();
  backend.exportFormats.mockResolvedValue([
    { id: "twofold", name: "Twofold backup (encrypted)", encrypted: true },
    { id: "otpauth", name: "otpauth:// list (plain text)", encrypted: false },
    { id: "google-qr", name: "Google Authenticator QR codes", encrypted: false },
  ]);
  component = mount(ExportPanel, { target });
  await vi.waitFor(() => expect(target.querySelectorAll("option").length).toBe(3));
});

afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  target.remove();
});

onError((e) => {
  throw e;
});

function choose(id: string) {
  const select = target.querySelector("select")!;
  select.value = id;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

function passwords(first: string, second: string) {
  const [a, b] = target.querySelectorAll<HTMLInputElement>("input[type='password']");
  a.value = first;
  a.dispatchEvent(new Event("input", { bubbles: true }));
  b.value = second;
  b.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

function button(text: string): HTMLButtonElement {
  const found = Array.from(target.querySelectorAll("button")).find((b) => b.textContent?.trim() === text);
  if (!found) throw new Error(`no button ${text}`);
  return found;
}

it("asks for two equal passwords before an encrypted export", async () => {
  choose("twofold");
  passwords("short", "short");
  button("Export").click();
  flushSync();
  expect(target.querySelector("[role='alert']")?.textContent).toContain("at least 8 characters");
  passwords("long enough", "long enougH");
  button("Export").click();
  flushSync();
  expect(target.querySelector("[role='alert']")?.textContent).toContain("differ");
  expect(backend.exportAccounts).not.toHaveBeenCalled();
  backend.exportAccounts.mockResolvedValueOnce({ path: "/home/me/Downloads/twofold-2026-12-07.twofold-backup", accounts: 3, skipped: [] });
  passwords("long enough", "long enough");
  button("Export").click();
  await vi.waitFor(() => expect(target.querySelector(".done")?.textContent).toContain("twofold-2026-12-07.twofold-backup"));
  expect(backend.exportAccounts).toHaveBeenCalledWith("twofold", "long enough");
});

it("writes a plain export only after the warning is acknowledged", async () => {
  choose("otpauth");
  expect(target.textContent).toContain("Not encrypted");
  button("Export").click();
  flushSync();
  expect(backend.exportAccounts).not.toHaveBeenCalled();
  const box = target.querySelector<HTMLInputElement>("input[type='checkbox']")!;
  box.click();
  flushSync();
  backend.exportAccounts.mockResolvedValueOnce({ path: "/tmp/x.txt", accounts: 2, skipped: ["Steam (gamer): type: …"] });
  button("Export").click();
  await vi.waitFor(() => expect(backend.exportAccounts).toHaveBeenCalledWith("otpauth", null));
  await tick();
  expect(target.querySelector(".done")?.textContent).toContain("Steam (gamer)");
});

it("shows Google's codes one after another", async () => {
  choose("google-qr");
  target.querySelector<HTMLInputElement>("input[type='checkbox']")!.click();
  flushSync();
  backend.exportGoogleQr.mockResolvedValueOnce({ codes: ["<svg id='one'></svg>", "<svg id='two'></svg>"], accounts: 12, skipped: [] });
  button("Show the QR codes").click();
  await vi.waitFor(() => expect(target.querySelector("#one")).not.toBeNull());
  expect(target.textContent).toContain("scan code 1 of 2");
  button("Next").click();
  flushSync();
  expect(target.querySelector("#two")).not.toBeNull();
  button("Done").click();
  flushSync();
  expect(target.querySelector(".qr")).toBeNull();
});
