// Display helpers for accounts: grouped digits, initials and a stable colour per issuer.

/** `123456` → `123 456`, `12345678` → `1234 5678`, `1234567` → `123 4567`. */
export function grouped(code: string): string {
  if (code.length === 6 || code.length === 7) return `${code.slice(0, 3)} ${code.slice(3)}`;
  if (code.length === 8) return `${code.slice(0, 4)} ${code.slice(4)}`;
  return code;
}

/** Up to two initials of an issuer name. */
export function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : name.trim().slice(0, 2);
  return letters.toUpperCase() || "?";
}

/** A hue from 0 to 359 derived from the name, stable across runs. */
export function hue(name: string): number {
  let h = 0;
  for (const ch of name.toLowerCase()) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

/** Relative luminance (WCAG 2) of an sRGB colour given as 0–255 channels. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two sRGB colours. */
export function contrast(a: [number, number, number], b: [number, number, number]): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** HSL (degrees, 0–1, 0–1) to sRGB channels. */
export function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/** `#rgb` or `#rrggbb` to sRGB channels; null for anything else. */
export function parseHex(colour: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim());
  if (!m) return null;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Saturation and lightness of a badge coloured from its name's hue (dark enough for white). */
export const BADGE_SATURATION = 0.6;
export const BADGE_LIGHTNESS = 0.28;

const WHITE: [number, number, number] = [255, 255, 255];
const INK: [number, number, number] = [17, 17, 17];

/**
 * The initials badge's colours: the account's own colour, else one from its name's hue dark
 * enough for white initials at WCAG AA (4.5:1) on every hue; the initials white or near-black,
 * whichever reads better on the background.
 */
export function badge(name: string, own: string | null): { background: string; text: string } {
  const rgb = (own && parseHex(own)) || hslToRgb(hue(name), BADGE_SATURATION, BADGE_LIGHTNESS);
  const text = contrast(rgb, WHITE) >= contrast(rgb, INK) ? "#ffffff" : "#111111";
  return { background: `rgb(${rgb.join(", ")})`, text };
}

/** One collator for every comparison: `localeCompare` with options builds a new one each call. */
const collator = new Intl.Collator(undefined, { sensitivity: "base" });

/** The minimal shape `sorted` needs. */
export interface Sortable {
  issuer: string;
  name: string;
  pinned: boolean;
  last_used_at: number | null;
}

/**
 * The list order: pinned accounts first, then by issuer and name (`name`), most recently used
 * (`recent`, never-used last), or the vault's own order (`manual`). Stable within ties.
 */
export function sorted<T extends Sortable>(items: T[], order: "name" | "recent" | "manual"): T[] {
  const byLabel = (a: T, b: T) => collator.compare(a.issuer || a.name, b.issuer || b.name) || collator.compare(a.name, b.name);
  const byRecent = (a: T, b: T) => (b.last_used_at ?? -1) - (a.last_used_at ?? -1);
  return items
    .map((item, i) => ({ item, i }))
    .sort((x, y) => {
      if (x.item.pinned !== y.item.pinned) return x.item.pinned ? -1 : 1;
      const c = order === "name" ? byLabel(x.item, y.item) : order === "recent" ? byRecent(x.item, y.item) : 0;
      return c || x.i - y.i;
    })
    .map(({ item }) => item);
}
