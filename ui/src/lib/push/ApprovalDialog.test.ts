// The approval dialog against a mock backend: what it shows, the number it asks for, and the
// decision it sends.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mount, unmount } from "svelte";
import { onError } from "../errors";
import type { ApprovalView } from "../ipc";

const backend = vi.hoisted(() => ({
  pushPending: vi.fn(),
  pushAnswer: vi.fn(),
  onPushChanged: vi.fn(),
  isIpcError: (e: unknown) => typeof e === "object" && e !== null && "code" in e,
}));
vi.mock("../ipc", () => backend);

import ApprovalDialog, { ARM_MS } from "./ApprovalDialog.svelte";

const now = () => Math.floor(Date.now() / 1000);
const login: ApprovalView = {
  uuid: "r1", app_name: "Shop", message: "Login requested", details: [{ key: "username", value: "pat" }],
  requester_ip: "203.0.113.9", requester_location: "Lyon, FR", created_at: now(), expires_at: now() + 95,
  number_required: false, device_name: "Twofold on box", approve_needs_unlock: false,
};

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;
const errors: unknown[] = [];
onError((e) => errors.push(e));
let changed: () => void = () => {};

beforeEach(() => {
  target = document.createElement("div");
  document.body.appendChild(target);
  errors.length = 0;
  backend.onPushChanged.mockImplementation(async (f: () => void) => {
    changed = f;
    return () => {};
  });
});

afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  target.remove();
  vi.clearAllMocks();
});

function render() {
  component = mount(ApprovalDialog, { target, props: {} });
}

const dialog = () => target.querySelector("[role='dialog']");
const button = (text: string) => [...target.querySelectorAll<HTMLButtonElement>("button")].find((b) => b.textContent === text)!;
/** Waits until Approve is armed (it is disabled for ARM_MS after a request comes forward). */
const armed = () => vi.waitFor(() => expect(button("Approve").disabled).toBe(false), { timeout: ARM_MS * 3 });

describe("ApprovalDialog", () => {
  it("shows nothing while no request waits, then the request when one arrives", async () => {
    backend.pushPending.mockResolvedValueOnce([]);
    render();
    await vi.waitFor(() => expect(backend.pushPending).toHaveBeenCalled());
    expect(dialog()).toBeNull();
    backend.pushPending.mockResolvedValueOnce([login]);
    changed();
    await vi.waitFor(() => expect(dialog()).not.toBeNull());
    const text = dialog()!.textContent!;
    expect(text).toContain("Shop");
    expect(text).toContain("Login requested");
    expect(text).toContain("username");
    expect(text).toContain("Lyon, FR · 203.0.113.9");
    expect(text).toMatch(/1 min 3\d s left/);
  });

  it("approves, and the dialog goes away", async () => {
    backend.pushPending.mockResolvedValueOnce([login]).mockResolvedValueOnce([]);
    backend.pushAnswer.mockResolvedValueOnce({ status: "approved", reason: null });
    render();
    await vi.waitFor(() => expect(dialog()).not.toBeNull());
    await armed();
    button("Approve").click();
    await vi.waitFor(() => expect(dialog()).toBeNull());
    expect(backend.pushAnswer).toHaveBeenCalledWith("r1", "approve", null);
    expect(target.querySelector("[role='status']")?.textContent).toBe("Approved.");
  });

  it("asks for the website's number before approving, and reports a wrong one", async () => {
    backend.pushPending.mockResolvedValueOnce([{ ...login, number_required: true }]).mockResolvedValueOnce([]);
    backend.pushAnswer.mockResolvedValueOnce({ status: "denied", reason: "wrong_number" });
    render();
    await vi.waitFor(() => expect(dialog()).not.toBeNull());
    await armed();
    button("Approve").click();
    expect(backend.pushAnswer).not.toHaveBeenCalled();
    expect(String(errors[0])).toContain("two-digit number");
    const field = target.querySelector<HTMLInputElement>("input[aria-label='Number shown on the website']")!;
    field.value = "42";
    field.dispatchEvent(new Event("input", { bubbles: true }));
    button("Approve").click();
    await vi.waitFor(() => expect(backend.pushAnswer).toHaveBeenCalledWith("r1", "approve", 42));
    await vi.waitFor(() => expect(target.querySelector("[role='status']")?.textContent).toContain("Wrong number"));
  });

  it("reports \"this wasn't me\"", async () => {
    backend.pushPending.mockResolvedValueOnce([login]).mockResolvedValueOnce([]);
    backend.pushAnswer.mockResolvedValueOnce({ status: "denied", reason: "not_me" });
    render();
    await vi.waitFor(() => expect(dialog()).not.toBeNull());
    button("This wasn't me").click();
    await vi.waitFor(() => expect(backend.pushAnswer).toHaveBeenCalledWith("r1", "not_me", null));
  });

  it("never puts focus on Approve, and arms it only after a delay without losing focus", async () => {
    backend.pushPending.mockResolvedValue([login]);
    render();
    await vi.waitFor(() => expect(dialog()).not.toBeNull());
    await vi.waitFor(() => expect(document.activeElement).toBe(dialog()));
    // A stray Enter or Space, typed for another window as this one comes forward.
    for (const key of ["Enter", " "]) {
      document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
    }
    expect(button("Approve").disabled).toBe(true);
    button("Approve").click();
    expect(backend.pushAnswer).not.toHaveBeenCalled();
    await armed();
    // Losing focus disarms it; getting focus back starts the delay again.
    window.dispatchEvent(new Event("blur"));
    await vi.waitFor(() => expect(button("Approve").disabled).toBe(true));
    window.dispatchEvent(new Event("focus"));
    expect(button("Approve").disabled).toBe(true);
    await armed();
    expect(backend.pushAnswer).not.toHaveBeenCalled();
  });

  it("with \"unlock to approve\" and a locked vault, offers to unlock; denying still works", async () => {
    const locked = { ...login, approve_needs_unlock: true };
    backend.pushPending.mockResolvedValue([locked]);
    backend.pushAnswer.mockResolvedValueOnce({ status: "denied", reason: null });
    render();
    await vi.waitFor(() => expect(dialog()).not.toBeNull());
    expect(dialog()!.textContent).toContain("only while Twofold is unlocked");
    expect(button("Approve")).toBeUndefined();
    button("Unlock to approve").click();
    await vi.waitFor(() => expect(dialog()).toBeNull());
    expect(target.querySelector(".waiting")?.textContent).toContain("unlock Twofold to answer");
    button("Show").click();
    await vi.waitFor(() => expect(dialog()).not.toBeNull());
    button("Deny").click();
    await vi.waitFor(() => expect(backend.pushAnswer).toHaveBeenCalledWith("r1", "deny", null));
  });

  it("leaves out requests that have expired", async () => {
    backend.pushPending.mockResolvedValueOnce([{ ...login, expires_at: now() - 1 }]);
    render();
    await vi.waitFor(() => expect(backend.pushPending).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 20));
    expect(dialog()).toBeNull();
  });
});
