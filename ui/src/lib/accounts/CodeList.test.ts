// The code list against a mock backend: the IPC module is replaced, nothing reaches Tauri.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { onError } from "../errors";
import type { CodeView, Preview } from "../ipc";

const backend = vi.hoisted(() => ({
  listCodes: vi.fn(),
  // The first list without a head start (as when nothing asked early): a list like any other.
  firstCodes: () => backend.listCodes(),
  nextHotp: vi.fn(),
  previewLink: vi.fn(),
  scanImage: vi.fn(),
  scanFile: vi.fn(),
  scanClipboard: vi.fn(),
  scanScreen: vi.fn(),
  confirmAdd: vi.fn(),
  cancelAdd: vi.fn(),
  confirmEnroll: vi.fn(),
  onFilesDropped: vi.fn(),
  onLinksOpened: vi.fn(),
  onSyncChanged: vi.fn(),
  onQuick: vi.fn(),
  hideWindow: vi.fn(),
  previewOpenedLinks: vi.fn(),
  uiReady: vi.fn(),
  copyCode: vi.fn(),
  updateAccount: vi.fn(),
  moveAccount: vi.fn(),
  deleteAccount: vi.fn(),
  undoDelete: vi.fn(),
  exportQr: vi.fn(),
  isIpcError: (e: unknown) => typeof e === "object" && e !== null && "code" in e,
}));
vi.mock("../ipc", () => backend);

import CodeList from "./CodeList.svelte";

const extra = { tags: [] as string[], color: null, icon: null, pinned: false, last_used_at: null };
const github: CodeView = { id: "a", issuer: "GitHub", name: "octocat", kind: "totp", code: "287082", next_code: "359152", period: 30, seconds_left: 12, ...extra };
const google: CodeView = { id: "b", issuer: "Google", name: "alice@gmail.com", kind: "totp", code: "1234567", next_code: "7654321", period: 30, seconds_left: 12, ...extra, tags: ["work"] };
const yubi: CodeView = { id: "c", issuer: "Yubico", name: "key", kind: "hotp", code: "755224", next_code: "287082", period: null, seconds_left: null, ...extra };

let target: HTMLElement;
let component: ReturnType<typeof mount> | undefined;
const errors: unknown[] = [];
onError((e) => errors.push(e));

/** Chooses how the editor's icon is picked: matched, none, or by name. */
function iconMode(editor: HTMLElement, mode: "auto" | "none" | "pick") {
  const select = [...editor.querySelectorAll("select")].find((s) => s.querySelector("option[value='pick']"))!;
  select.value = mode;
  select.dispatchEvent(new Event("change"));
  flushSync();
}

async function render(sort: "name" | "recent" | "manual" = "name") {
  component = mount(CodeList, { target, props: { sort } });
  await vi.waitFor(() => expect(target.querySelectorAll("[data-code]").length).toBeGreaterThan(0));
}

beforeEach(() => {
  target = document.createElement("div");
  document.body.appendChild(target);
  backend.listCodes.mockResolvedValue([github, google, yubi]);
  backend.onFilesDropped.mockResolvedValue(() => {});
  backend.onLinksOpened.mockResolvedValue(() => {});
  backend.onSyncChanged.mockResolvedValue(() => {});
  backend.onQuick.mockResolvedValue(() => {});
  backend.hideWindow.mockResolvedValue(null);
  backend.previewOpenedLinks.mockResolvedValue(null);
  backend.uiReady.mockResolvedValue(null);
  backend.cancelAdd.mockResolvedValue(null);
  errors.length = 0;
});

afterEach(() => {
  if (component) unmount(component);
  target.remove();
  vi.clearAllMocks();
});

describe("CodeList", () => {
  it("shows every account with its code grouped, each row saying who, the code and the time left", async () => {
    await render();
    const codes = [...target.querySelectorAll<HTMLElement>("[data-code]")];
    expect(codes.map((c) => c.textContent)).toEqual(["287 082", "123 4567", "755 224"]);
    const row = target.querySelector<HTMLButtonElement>("button.row")!;
    expect(row.getAttribute("aria-label")).toMatch(/^GitHub, octocat, 287 082, \d+ seconds? left$/);
    // The visible countdown is not read at each tick.
    expect(target.querySelector(".left")?.getAttribute("aria-hidden")).toBe("true");
  });

  it("says an account with only an issuer, or only a name, once", async () => {
    backend.listCodes.mockResolvedValue([{ ...github, id: "z", name: "" }, { ...yubi, issuer: "" }]);
    await render();
    const labels = [...target.querySelectorAll<HTMLButtonElement>("button.row")].map((r) => r.getAttribute("aria-label"));
    expect(labels).toContainEqual(expect.stringMatching(/^GitHub, 287 082, \d+ seconds? left$/));
    expect(labels).toContain("key, 755 224");
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

  it("copies a code on click, and the next one with N", async () => {
    backend.copyCode.mockImplementation(async (id: string) => [github, google, yubi].find((c) => c.id === id));
    await render();
    target.querySelector<HTMLButtonElement>("button.row")!.click();
    await vi.waitFor(() => expect(backend.copyCode).toHaveBeenCalledWith("a", false));
    // Said once by the live region; shown beside the row.
    await vi.waitFor(() => expect(target.querySelector("[role=status]")?.textContent).toBe("Code of GitHub copied."));
    expect(target.querySelector(".copied")?.textContent).toBe("Copied");
    const row = target.querySelector<HTMLButtonElement>("button.row")!;
    row.dispatchEvent(new KeyboardEvent("keydown", { key: "n", bubbles: true }));
    await vi.waitFor(() => expect(backend.copyCode).toHaveBeenCalledWith("a", true));
  });

  it("after the global shortcut: the search has focus, Enter copies the match and hides the window", async () => {
    backend.copyCode.mockImplementation(async (id: string) => [github, google, yubi].find((c) => c.id === id));
    await render();
    const quick = backend.onQuick.mock.calls[0][0] as () => void;
    const search = target.querySelector<HTMLInputElement>("input[type=search]")!;
    search.blur();
    quick();
    expect(document.activeElement).toBe(search);
    search.value = "yubi";
    search.dispatchEvent(new Event("input"));
    flushSync();
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await vi.waitFor(() => expect(backend.copyCode).toHaveBeenCalledWith("c", false));
    await vi.waitFor(() => expect(backend.hideWindow).toHaveBeenCalledTimes(1));
    // An ordinary copy afterwards leaves the window where it is; Escape after the shortcut hides it.
    target.querySelector<HTMLButtonElement>("button.row")!.click();
    await vi.waitFor(() => expect(backend.copyCode).toHaveBeenCalledTimes(2));
    expect(backend.hideWindow).toHaveBeenCalledTimes(1);
    quick();
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(backend.hideWindow).toHaveBeenCalledTimes(2);
  });

  it("moves between rows with the arrows and back to the search field", async () => {
    await render();
    const search = target.querySelector<HTMLInputElement>("input[type=search]")!;
    const rows = [...target.querySelectorAll<HTMLButtonElement>("button.row")];
    search.focus();
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(rows[0]);
    rows[0].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(rows[1]);
    rows[1].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    rows[0].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    expect(document.activeElement).toBe(search);
  });

  it("puts a long list on the page a screenful at a time", async () => {
    let reached: ((entries: { isIntersecting: boolean }[]) => void) | undefined;
    vi.stubGlobal(
      "IntersectionObserver",
      class {
        constructor(callback: (entries: { isIntersecting: boolean }[]) => void) {
          reached = callback;
        }
        observe() {}
        disconnect() {}
      },
    );
    try {
      const many = Array.from({ length: 150 }, (_, i) => ({ ...github, id: `m${i}`, issuer: `Issuer ${String(i).padStart(3, "0")}` }));
      backend.listCodes.mockResolvedValue(many);
      await render();
      expect(target.querySelectorAll("button.row").length).toBe(24);
      reached!([{ isIntersecting: true }]);
      flushSync();
      expect(target.querySelectorAll("button.row").length).toBe(72);
      reached!([{ isIntersecting: true }]);
      reached!([{ isIntersecting: true }]);
      flushSync();
      expect(target.querySelectorAll("button.row").length).toBe(150);
      // Searching covers every account, not only those on the page.
      const search = target.querySelector<HTMLInputElement>("input[type=search]")!;
      search.value = "Issuer 149";
      search.dispatchEvent(new Event("input"));
      flushSync();
      expect([...target.querySelectorAll(".issuer")].map((e) => e.textContent)).toEqual(["Issuer 149"]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("puts pinned accounts first and sorts by recent use when asked", async () => {
    backend.listCodes.mockResolvedValue([github, { ...google, last_used_at: 100 }, { ...yubi, pinned: true }]);
    await render("recent");
    expect([...target.querySelectorAll(".issuer")].map((e) => e.textContent)).toEqual(["Yubico", "Google", "GitHub"]);
  });

  it("edits an account, showing field problems from Rust", async () => {
    await render();
    target.querySelector<HTMLButtonElement>("button[aria-label='Manage GitHub octocat']")!.click();
    flushSync();
    const editor = target.querySelector<HTMLElement>("section.editor")!;
    backend.updateAccount.mockRejectedValueOnce({ code: "invalid_fields", message: "x", fields: [{ field: "tags", message: "at most 20 tags" }] });
    editor.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await vi.waitFor(() => expect(editor.querySelector("[data-field=tags]")?.textContent).toBe("at most 20 tags"));
    backend.updateAccount.mockResolvedValueOnce({ ...github, issuer: "GitHub Enterprise", pinned: true });
    const issuer = editor.querySelector<HTMLInputElement>("input")!;
    issuer.value = "GitHub Enterprise";
    issuer.dispatchEvent(new Event("input"));
    flushSync();
    editor.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await vi.waitFor(() => expect(target.querySelector("section.editor")).toBeNull());
    expect(backend.updateAccount).toHaveBeenLastCalledWith("a", { issuer: "GitHub Enterprise", name: "octocat", tags: [], color: null, icon: null, pinned: false });
    expect([...target.querySelectorAll(".issuer")].map((e) => e.textContent)).toContain("GitHub Enterprise");
  });

  it("shows brand icons once their index has loaded, and lets the user pick another or none", async () => {
    await render();
    // GitHub is in the set; its badge turns into the icon after the first codes.
    await vi.waitFor(() => expect(target.querySelector("li[data-id='a'] [data-icon]")?.getAttribute("data-icon")).toBe("github"));
    target.querySelector<HTMLButtonElement>("button[aria-label='Manage GitHub octocat']")!.click();
    flushSync();
    const editor = target.querySelector<HTMLElement>("section.editor")!;
    iconMode(editor, "pick");
    const name = editor.querySelector<HTMLInputElement>("input[list='brand-icons']")!;
    name.value = "Nope Brand";
    name.dispatchEvent(new Event("input"));
    flushSync();
    editor.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await vi.waitFor(() => expect(editor.querySelector("[data-field=icon]")?.textContent).toContain("No icon is named “Nope Brand”"));
    expect(backend.updateAccount).not.toHaveBeenCalled();
    name.value = "gitlab";
    name.dispatchEvent(new Event("input"));
    flushSync();
    backend.updateAccount.mockResolvedValueOnce({ ...github, icon: "gitlab" });
    editor.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await vi.waitFor(() => expect(backend.updateAccount).toHaveBeenCalledWith("a", expect.objectContaining({ icon: "gitlab" })));
    await vi.waitFor(() => expect(target.querySelector("li[data-id='a'] [data-icon]")?.getAttribute("data-icon")).toBe("gitlab"));
    // None: the initials again.
    backend.updateAccount.mockResolvedValueOnce({ ...github, icon: "" });
    target.querySelector<HTMLButtonElement>("button[aria-label='Manage GitHub octocat']")!.click();
    flushSync();
    const again = target.querySelector<HTMLElement>("section.editor")!;
    iconMode(again, "none");
    again.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await vi.waitFor(() => expect(target.querySelector("li[data-id='a'] .icon")?.getAttribute("data-initials")).toBe("GI"));
  });

  it("deletes after a confirmation and undoes it, never losing focus", async () => {
    await render();
    target.querySelector<HTMLButtonElement>("button[aria-label='Manage Google alice@gmail.com']")!.click();
    flushSync();
    const button = (text: string) => [...target.querySelectorAll<HTMLButtonElement>("section.editor button")].find((b) => b.textContent === text)!;
    button("Delete…").click();
    flushSync();
    // The confirmation puts focus on its safe choice: Enter keeps the account.
    await vi.waitFor(() => expect(document.activeElement?.textContent).toBe("Keep it"));
    expect(backend.deleteAccount).not.toHaveBeenCalled();
    backend.deleteAccount.mockResolvedValueOnce(null);
    button("Delete").click();
    await vi.waitFor(() => expect(target.querySelector(".toast")?.textContent).toContain("Deleted Google."));
    expect(target.querySelector("[role=status]")?.textContent).toBe("Deleted Google.");
    expect([...target.querySelectorAll(".issuer")].map((e) => e.textContent)).not.toContain("Google");
    // Focus went from the gone row's editor to Undo, and comes back to the row after it.
    await vi.waitFor(() => expect(document.activeElement).toBe(target.querySelector(".toast button")));
    backend.undoDelete.mockResolvedValueOnce("b");
    target.querySelector<HTMLButtonElement>(".toast button")!.click();
    await vi.waitFor(() => expect(backend.undoDelete).toHaveBeenCalled());
    await vi.waitFor(() => expect([...target.querySelectorAll(".issuer")].map((e) => e.textContent)).toContain("Google"));
    await vi.waitFor(() => expect(document.activeElement).toBe(target.querySelector("li[data-id='b'] button.row")));
    expect(target.querySelector("[role=status]")?.textContent).toBe("Google is back.");
  });

  it("gives focus back to an account's ⋯ when its editor closes", async () => {
    await render();
    const more = target.querySelector<HTMLButtonElement>("button[aria-label='Manage GitHub octocat']")!;
    more.click();
    flushSync();
    [...target.querySelectorAll<HTMLButtonElement>("section.editor button")].find((b) => b.textContent === "Close")!.click();
    await vi.waitFor(() => expect(document.activeElement).toBe(target.querySelector("li[data-id='a'] button.more")));
  });

  it("shows the QR export only after the warning is accepted", async () => {
    await render();
    target.querySelector<HTMLButtonElement>("button[aria-label='Manage GitHub octocat']")!.click();
    flushSync();
    const button = (text: string) => [...target.querySelectorAll<HTMLButtonElement>("section.editor button")].find((b) => b.textContent === text)!;
    button("Show as QR code…").click();
    flushSync();
    expect(backend.exportQr).not.toHaveBeenCalled();
    expect(target.querySelector("section.editor p")?.textContent).toContain("anyone who sees or photographs it");
    backend.exportQr.mockResolvedValueOnce("<svg></svg>");
    button("Show the QR code").click();
    await vi.waitFor(() => expect(target.querySelector<HTMLImageElement>("img.qr")?.src).toContain("data:image/svg+xml"));
  });

  it("previews a typed link, adds what is ticked, and reports a refused link", async () => {
    await render();
    const preview: Preview = {
      id: 7,
      source: "link",
      items: [
        { index: 0, issuer: "New", name: "x", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, duplicate_of: null, tags: [] },
        { index: 1, issuer: "GitHub", name: "octocat", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, duplicate_of: "GitHub (octocat)", tags: [] },
      ],
      problems: [],
      enrollment: null,
    };
    backend.previewLink.mockResolvedValueOnce(preview);
    backend.confirmAdd.mockResolvedValueOnce(["d"]);
    const input = target.querySelector<HTMLInputElement>("input[aria-label='otpauth link to add']")!;
    input.value = " otpauth-migration://offline?data=x ";
    input.dispatchEvent(new Event("input"));
    flushSync();
    target.querySelector<HTMLFormElement>("form.link")!.requestSubmit();
    await vi.waitFor(() => expect(target.querySelector("section.preview")).not.toBeNull());
    expect(backend.previewLink).toHaveBeenCalledWith("otpauth-migration://offline?data=x");
    // The duplicate is shown with the account it matches, and left unticked.
    const boxes = [...target.querySelectorAll<HTMLInputElement>("section.preview input[type=checkbox]")];
    expect(boxes.map((b) => b.checked)).toEqual([true, false]);
    expect(target.querySelector(".warn")?.textContent).toBe("Already in the vault as GitHub (octocat)");
    // Focus is on Add: Enter adds what is ticked.
    await vi.waitFor(() => expect(document.activeElement).toBe(target.querySelector("section.preview button.primary")));
    expect(backend.confirmAdd).not.toHaveBeenCalled();
    target.querySelector<HTMLButtonElement>("section.preview button.primary")!.click();
    await vi.waitFor(() => expect(backend.confirmAdd).toHaveBeenCalledWith(7, [0]));
    await vi.waitFor(() => expect(target.querySelector("section.preview")).toBeNull());
    expect(backend.listCodes).toHaveBeenCalledTimes(2);

    const refusal = { code: "invalid_uri", message: "secret: missing or empty" };
    backend.previewLink.mockRejectedValueOnce(refusal);
    input.value = "otpauth://totp/x";
    input.dispatchEvent(new Event("input"));
    flushSync();
    target.querySelector<HTMLFormElement>("form.link")!.requestSubmit();
    await vi.waitFor(() => expect(errors).toContainEqual(refusal));
  });

  it("previews every link handed over by the browser once the list is shown", async () => {
    // Rust previews the queued links itself, all of them in order; the page only shows it.
    backend.previewOpenedLinks.mockResolvedValueOnce({
      id: 3,
      source: "link",
      items: [
        { index: 0, issuer: "A", name: "a", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, duplicate_of: null, tags: [] },
        { index: 1, issuer: "B", name: "b", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, duplicate_of: null, tags: [] },
      ],
      problems: [],
      enrollment: null,
    });
    await render();
    await vi.waitFor(() => expect(target.querySelector("section.preview")).not.toBeNull());
    const shown = target.querySelector("section.preview")!.textContent!;
    expect(shown.indexOf("A")).toBeLessThan(shown.indexOf("B"));
    expect(backend.previewLink).not.toHaveBeenCalled();
  });

  it("offers a twofold://enroll link as an enrollment of this computer", async () => {
    await render();
    const preview: Preview = {
      id: 3,
      source: "link",
      items: [],
      problems: [],
      enrollment: { server: "https://auth.example.com", app: "Shop" },
    };
    backend.previewLink.mockResolvedValueOnce(preview);
    backend.confirmEnroll.mockResolvedValueOnce({ uuid: "d1", name: "Twofold on box", server: "https://auth.example.com", app_name: "Shop" });
    const input = target.querySelector<HTMLInputElement>("input[aria-label='otpauth link to add']")!;
    input.value = "twofold://enroll?server=https%3A%2F%2Fauth.example.com&id=a&secret=b&app=Shop";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.form!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect(target.querySelector("[aria-label='Push approval enrollment']")?.textContent).toContain("Shop at https://auth.example.com"));
    expect(target.querySelector("section.preview ul")).toBeNull();
    const button = [...target.querySelectorAll<HTMLButtonElement>("section.preview button")].find((b) => b.textContent === "Enroll this computer")!;
    button.click();
    await vi.waitFor(() => expect(target.querySelector(".done")?.textContent).toContain("approves logins for Shop"));
    expect(backend.confirmEnroll).toHaveBeenCalledWith(3, null);
  });

  it("scans the screen, and a pasted image, into a preview that can be cancelled", async () => {
    await render();
    const preview: Preview = {
      id: 1,
      source: "screen",
      items: [{ index: 0, issuer: "Acme", name: "alice", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, duplicate_of: null, tags: [] }],
      problems: ["a QR code or text that is not an otpauth:// or otpauth-migration:// link"],
      enrollment: null,
    };
    backend.scanScreen.mockResolvedValueOnce(preview);
    target.querySelector<HTMLButtonElement>("button[aria-label='Scan screen for a QR code']")!.click();
    await vi.waitFor(() => expect(target.querySelector("section.preview h2")?.textContent).toBe("Add this account?"));
    expect(target.querySelector(".problem")?.textContent).toContain("not an otpauth://");
    target.querySelector<HTMLButtonElement>("section.preview button.secondary")!.click();
    await vi.waitFor(() => expect(target.querySelector("section.preview")).toBeNull());
    expect(backend.cancelAdd).toHaveBeenCalled();

    backend.scanImage.mockResolvedValueOnce({ ...preview, source: "image" });
    // A pasted file as WebKit hands it over (jsdom's File has no arrayBuffer()).
    const png = { name: "qr.png", type: "image/png", arrayBuffer: async () => new Uint8Array([137, 80, 78, 71]).buffer };
    const paste = new Event("paste", { bubbles: true, cancelable: true }) as ClipboardEvent;
    Object.defineProperty(paste, "clipboardData", { value: { files: [png], getData: () => "" } });
    window.dispatchEvent(paste);
    await vi.waitFor(() => expect(backend.scanImage).toHaveBeenCalled());
    expect(Array.from(backend.scanImage.mock.calls[0][0] as Uint8Array)).toEqual([137, 80, 78, 71]);
    await vi.waitFor(() => expect(target.querySelector("section.preview")).not.toBeNull());
  });

  it("asks for the next HOTP code", async () => {
    await render();
    backend.nextHotp.mockResolvedValueOnce({ ...yubi, code: "287082" });
    target.querySelector<HTMLButtonElement>("button.next")!.click();
    await vi.waitFor(() => expect(backend.nextHotp).toHaveBeenCalledWith("c"));
    await vi.waitFor(() => expect([...target.querySelectorAll("[data-code]")].map((c) => c.textContent)).toContain("287 082"));
  });
});
