// The code list against a mock backend: the IPC module is replaced, nothing reaches Tauri.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import type { CodeView } from "../ipc";

const backend = vi.hoisted(() => ({
  listCodes: vi.fn(),
  addUri: vi.fn(),
  nextHotp: vi.fn(),
}));
vi.mock("../ipc", () => backend);

import CodeList from "./CodeList.svelte";

const github: CodeView = { id: "a", issuer: "GitHub", name: "octocat", kind: "totp", code: "287082", next_code: "359152", period: 30, seconds_left: 12 };
const google: CodeView = { id: "b", issuer: "Google", name: "alice@gmail.com", kind: "totp", code: "1234567", next_code: "7654321", period: 30, seconds_left: 12 };
const yubi: CodeView = { id: "c", issuer: "Yubico", name: "key", kind: "hotp", code: "755224", next_code: "287082", period: null, seconds_left: null };

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;
const errors: unknown[] = [];

async function render() {
  component = mount(CodeList, { target, props: { onerror: (e: unknown) => errors.push(e) } });
  await vi.waitFor(() => expect(target.querySelectorAll("[data-code]").length).toBeGreaterThan(0));
}

beforeEach(() => {
  target = document.createElement("div");
  document.body.appendChild(target);
  backend.listCodes.mockResolvedValue([github, google, yubi]);
  errors.length = 0;
});

afterEach(() => {
  if (component) unmount(component);
  target.remove();
  vi.clearAllMocks();
});

describe("CodeList", () => {
  it("shows every account with its code grouped and read digit by digit", async () => {
    await render();
    const codes = [...target.querySelectorAll<HTMLElement>("[data-code]")];
    expect(codes.map((c) => c.textContent)).toEqual(["287 082", "123 4567", "755 224"]);
    expect(codes[0].getAttribute("aria-label")).toBe("2 8 7 0 8 2");
  });

  it("filters as you type", async () => {
    await render();
    const search = target.querySelector<HTMLInputElement>("input[type=search]")!;
    search.value = "goo";
    search.dispatchEvent(new Event("input"));
    flushSync();
    expect([...target.querySelectorAll(".issuer")].map((e) => e.textContent)).toEqual(["Google"]);
    search.value = "nothing";
    search.dispatchEvent(new Event("input"));
    flushSync();
    expect(target.querySelector(".empty")?.textContent).toBe("No account matches.");
  });

  it("copies a code on click", async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await render();
    target.querySelector<HTMLButtonElement>("button.row")!.click();
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith("287082"));
    await vi.waitFor(() => expect(target.querySelector("[role=status]")?.textContent).toBe("Copied"));
  });

  it("adds a pasted link and reports a refused one", async () => {
    await render();
    backend.addUri.mockResolvedValueOnce(["d"]);
    const input = target.querySelector<HTMLInputElement>("input[aria-label='otpauth link to add']")!;
    input.value = "otpauth://totp/New:x?secret=JBSWY3DPEHPK3PXP";
    input.dispatchEvent(new Event("input"));
    flushSync();
    target.querySelector<HTMLFormElement>("form.add")!.requestSubmit();
    await vi.waitFor(() => expect(backend.addUri).toHaveBeenCalledWith("otpauth://totp/New:x?secret=JBSWY3DPEHPK3PXP"));
    const refusal = { code: "invalid_uri", message: "secret: missing or empty" };
    backend.addUri.mockRejectedValueOnce(refusal);
    input.value = "otpauth://totp/x";
    input.dispatchEvent(new Event("input"));
    flushSync();
    target.querySelector<HTMLFormElement>("form.add")!.requestSubmit();
    await vi.waitFor(() => expect(errors).toContainEqual(refusal));
  });

  it("asks for the next HOTP code", async () => {
    await render();
    backend.nextHotp.mockResolvedValueOnce({ ...yubi, code: "287082" });
    target.querySelector<HTMLButtonElement>("button.next")!.click();
    await vi.waitFor(() => expect(backend.nextHotp).toHaveBeenCalledWith("c"));
    await vi.waitFor(() => expect([...target.querySelectorAll("[data-code]")].map((c) => c.textContent)).toContain("287 082"));
  });
});
