// The manual entry form against a mock backend.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushSync, mount, unmount } from "svelte";

const backend = vi.hoisted(() => ({ addManual: vi.fn(), isIpcError: (e: unknown) => typeof e === "object" && e !== null && "code" in e }));
vi.mock("../ipc", () => backend);

import ManualForm from "./ManualForm.svelte";

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;

beforeEach(() => {
  target = document.createElement("div");
  document.body.appendChild(target);
});
afterEach(() => {
  if (component) unmount(component);
  target.remove();
  vi.clearAllMocks();
});

function type(label: string, value: string) {
  const input = [...target.querySelectorAll("label")].find((l) => l.textContent?.trim().startsWith(label))!.querySelector("input")!;
  input.value = value;
  input.dispatchEvent(new Event("input"));
  flushSync();
}

describe("ManualForm", () => {
  it("shows each field's problem next to it", async () => {
    backend.addManual.mockRejectedValueOnce({
      code: "invalid_fields",
      message: "some fields need attention",
      fields: [
        { field: "secret", message: "`0` at position 1 is not a base32 character (A–Z, 2–7)" },
        { field: "digits", message: "digits must be from 4 to 10" },
      ],
    });
    const onadded = vi.fn();
    component = mount(ManualForm, { target, props: { onadded } });
    type("Secret key", "0000");
    target.querySelector("form")!.requestSubmit();
    await vi.waitFor(() => expect(target.querySelector("[data-field=secret]")?.textContent).toContain("not a base32 character"));
    expect(target.querySelector("[data-field=digits]")?.textContent).toContain("digits must be from 4 to 10");
    expect(onadded).not.toHaveBeenCalled();
  });

  it("sends the fields and reports success", async () => {
    backend.addManual.mockResolvedValueOnce("id");
    const onadded = vi.fn();
    component = mount(ManualForm, { target, props: { onadded } });
    type("Issuer", "Bank");
    type("Secret key", "JBSW Y3DP EHPK 3PXP");
    target.querySelector("form")!.requestSubmit();
    await vi.waitFor(() => expect(onadded).toHaveBeenCalled());
    expect(backend.addManual).toHaveBeenCalledWith(expect.objectContaining({ issuer: "Bank", secret: "JBSW Y3DP EHPK 3PXP", kind: "totp", digits: "6" }));
  });
});
