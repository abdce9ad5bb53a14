import { describe, expect, it } from "vitest";
import { grouped, hue, initials } from "./format";

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
