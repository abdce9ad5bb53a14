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
