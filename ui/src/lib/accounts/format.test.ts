import { describe, expect, it } from "vitest";
import { grouped, hue, initials, sorted } from "./format";

describe("grouped", () => {
  it.each([
    ["123456", "123 456"],
    ["1234567", "123 4567"],
    ["12345678", "1234 5678"],
    ["BDY75", "BDY75"],
  ])("%s → %s", (code, want) => expect(grouped(code)).toBe(want));
});

describe("initials and hue", () => {
  it("takes two words' initials or two letters", () => {
    expect(initials("Amazon Web Services")).toBe("AW");
    expect(initials("github")).toBe("GI");
    expect(initials("  ")).toBe("?");
  });
  it("gives the same hue to the same name, case-insensitively", () => {
    expect(hue("GitHub")).toBe(hue("github"));
    expect(hue("GitHub")).toBeGreaterThanOrEqual(0);
    expect(hue("GitHub")).toBeLessThan(360);
  });
});

describe("sorted", () => {
  const a = { issuer: "beta", name: "x", pinned: false, last_used_at: 5 };
  const b = { issuer: "Alpha", name: "y", pinned: false, last_used_at: null };
  const c = { issuer: "gamma", name: "z", pinned: true, last_used_at: 1 };
  const d = { issuer: "", name: "aardvark", pinned: false, last_used_at: 9 };
  it("puts pinned accounts first in every order", () => {
    for (const order of ["name", "recent", "manual"] as const) expect(sorted([a, b, c, d], order)[0]).toBe(c);
  });
  it("sorts by label without case, recent first, or keeps the vault's order", () => {
    expect(sorted([a, b, c, d], "name")).toEqual([c, d, b, a]);
    expect(sorted([a, b, c, d], "recent")).toEqual([c, d, a, b]);
    expect(sorted([a, b, c, d], "manual")).toEqual([c, a, b, d]);
  });
});
