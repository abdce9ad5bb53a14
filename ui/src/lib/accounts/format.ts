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
