import { describe, expect, it } from "vitest";
import { badge, contrast, grouped, hslToRgb, hue, initials, parseHex, sorted } from "./format";

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

describe("badge colours", () => {
  const rgb = (css: string) => css.match(/\d+/g)!.map(Number) as [number, number, number];
  it("reads at WCAG AA (4.5:1) on every hue a name can get", () => {
    for (let h = 0; h < 360; h++) {
      const name = [...Array(400).keys()].map((i) => `n${i}`).find((n) => hue(n) === h);
      if (name === undefined) continue;
      const b = badge(name, null);
      expect(contrast(rgb(b.background), parseHex(b.text)!), `hue ${h}`).toBeGreaterThanOrEqual(4.5);
    }
  });
  it("picks dark initials on a light colour of the user's and white on a dark one", () => {
    expect(badge("Acme", "#ffe066").text).toBe("#111111");
    expect(badge("Acme", "#0061ff").text).toBe("#ffffff");
    expect(badge("Acme", "#0061FF").background).toBe("rgb(0, 97, 255)");
  });
  it("falls back to the name's colour when the user's is not a colour", () => {
    expect(badge("Acme", "red; background: url(x)")).toEqual(badge("Acme", null));
  });
  it("computes contrast and HSL as the standards say", () => {
    expect(contrast([255, 255, 255], [0, 0, 0])).toBeCloseTo(21, 5);
    expect(hslToRgb(0, 1, 0.5)).toEqual([255, 0, 0]);
    expect(hslToRgb(120, 1, 0.25)).toEqual([0, 128, 0]);
  });
});
