// The head start: the first status and codes are asked for once, before the page is built, and
// a locked vault's refusal then does not stand in for the codes asked for after unlocking.
import { describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({ listCodes: vi.fn(), vaultStatus: vi.fn() }));
vi.mock("./commands", () => commands);
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));
vi.mock("@tauri-apps/api/webview", () => ({ getCurrentWebview: vi.fn() }));

import { firstCodes, firstVaultStatus, startEarly } from "./index";

describe("startEarly", () => {
  it("asks once, hands the early answers over once, then asks anew", async () => {
    commands.vaultStatus.mockResolvedValue({ state: "unlocked" });
    commands.listCodes.mockResolvedValueOnce([{ id: "early" }]).mockResolvedValue([{ id: "later" }]);
    startEarly();
    expect(commands.vaultStatus).toHaveBeenCalledTimes(1);
    expect(commands.listCodes).toHaveBeenCalledTimes(1);
    expect(await firstVaultStatus()).toEqual({ state: "unlocked" });
    expect(await firstCodes()).toEqual([{ id: "early" }]);
    expect(commands.listCodes).toHaveBeenCalledTimes(1);
    expect(await firstCodes()).toEqual([{ id: "later" }]);
    await firstVaultStatus();
    expect(commands.vaultStatus).toHaveBeenCalledTimes(2);
  });

  it("asks again when the vault was locked at the start", async () => {
    commands.listCodes.mockReset();
    commands.listCodes.mockRejectedValueOnce({ code: "locked", message: "the vault is locked" }).mockResolvedValue([{ id: "after unlock" }]);
    startEarly();
    expect(await firstCodes()).toEqual([{ id: "after unlock" }]);
    expect(commands.listCodes).toHaveBeenCalledTimes(2);
  });
});
