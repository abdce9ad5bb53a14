// Brand icons for accounts: the simple-icons set (CC0, shipped with the app, never fetched)
// matched to an account by its issuer, a domain in it, or its e-mail's domain, with a small
// table of other names issuers go by. The index loads after the first codes are on screen; an
// icon's file loads only when a row that shows it is on the page.

/** One icon: its file's name, the brand's name and colour. */
export type Brand = { slug: string; title: string; hex: string };

/** Lookup by normalised name, and the icons in the set's order (for the picker). */
export type IconIndex = { byName: Map<string, Brand>; bySlug: Map<string, Brand>; all: Brand[] };

/** Other names issuers go by, normalised, to the icon's slug. */
export const ALIASES: Record<string, string> = {
  twitter: "x",
  tutanota: "tuta",
  blizzard: "battledotnet",
  electronicarts: "ea",
  pythonpackageindex: "pypi",
  npmjs: "npm",
  ovhcloud: "ovh",
  agilebits: "1password",
  sonyplaystation: "playstation",
  psn: "playstation",
  googlemail: "gmail",
  meta: "facebook",
  dockerhub: "docker",
};

/** Parts of a domain that name no brand. */
const GENERIC = new Set(["www", "login", "accounts", "account", "auth", "id", "sso", "secure", "my", "app", "mail", "portal", "signin", "online"]);

/** Lower case, accents and everything but letters and digits dropped. */
export function normalise(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

/** The index from the build's list. */
export function indexOf(icons: string[][]): IconIndex {
  const byName = new Map<string, Brand>();
  const bySlug = new Map<string, Brand>();
  const all: Brand[] = [];
  for (const [slug, title, hex, ...other] of icons) {
    const brand = { slug, title, hex };
    all.push(brand);
    bySlug.set(slug, brand);
    for (const n of [title, slug, ...other].map(normalise)) if (n && !byName.has(n)) byName.set(n, brand);
  }
  for (const [alias, slug] of Object.entries(ALIASES)) {
    const brand = bySlug.get(slug);
    if (brand) byName.set(alias, brand);
  }
  return { byName, bySlug, all };
}

let loading: Promise<IconIndex> | null = null;

/** The index, loaded once, on first use (its own chunk, off the start-up path). */
export function loadIcons(): Promise<IconIndex> {
  loading ??= import("virtual:brand-icons").then((m) => indexOf(m.icons));
  return loading;
}

/** The labels of a domain-like text, brand-bearing ones first (`accounts.google.com` → google). */
function domainLabels(text: string): string[] {
  const labels = text.toLowerCase().split(".").filter(Boolean);
  if (labels.length < 2) return [];
  return labels.slice(0, -1).reverse().filter((l) => !GENERIC.has(l));
}

/** The icon for an issuer (and account name), or null when none fits. */
export function matchIcon(index: IconIndex, issuer: string, name = ""): Brand | null {
  const look = (text: string) => {
    const n = normalise(text);
    return n ? index.byName.get(n) ?? null : null;
  };
  const tries: string[] = [];
  const trimmed = issuer.trim();
  if (trimmed) {
    tries.push(trimmed);
    if (/^[\w-]+(\.[\w-]+)+$/.test(trimmed)) tries.push(...domainLabels(trimmed));
    // "Epic Games Store" → Epic Games; "Google Workspace" → Google (words from the start,
    // at least three letters, so "My Bank" is not "My").
    const words = trimmed.split(/[^\p{L}\p{N}.]+/u).filter(Boolean);
    for (let k = words.length - 1; k >= 1; k--) {
      const start = words.slice(0, k).join("");
      if (normalise(start).length >= 3) tries.push(start);
    }
  } else {
    const domain = /@([\w.-]+\.[a-z]{2,})$/i.exec(name.trim())?.[1];
    if (domain) tries.push(...domainLabels(domain));
  }
  for (const t of tries) {
    const found = look(t);
    if (found) return found;
  }
  return null;
}

/** The icon an account shows: the user's pick (`""`: none), else the match. */
export function iconFor(index: IconIndex | null, account: { issuer: string; name: string; icon: string | null }): Brand | null {
  if (!index) return null;
  if (account.icon !== null) return account.icon === "" ? null : index.bySlug.get(account.icon) ?? null;
  return matchIcon(index, account.issuer, account.name);
}

/** The URL of an icon's file (shipped with the app). */
export function iconUrl(slug: string): string {
  return `/icons/${slug}.svg`;
}
