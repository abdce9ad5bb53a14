// The one message catalogue of the UI: every user-facing string comes from the Fluent files in
// `ui/src/locales/` (the tray's too, read by Rust), in the language the user chose or else the
// system's, with English behind any gap. Numbers, dates and plurals follow that language.
import { FluentBundle, FluentResource, type FluentVariable } from "@fluent/bundle";
import { negotiateLanguages } from "@fluent/langneg";
import { isIpcError } from "../ipc";

const files = import.meta.glob("../../locales/*.ftl", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** The shipped catalogues by language code ("en", "de", …): the raw Fluent text. */
export const CATALOGUES: Record<string, string> = Object.fromEntries(
  Object.entries(files).map(([path, text]) => [path.replace(/^.*\/([^/]+)\.ftl$/, "$1"), text]),
);

/** The shipped languages, English first. */
export const LANGUAGES: string[] = ["en", ...Object.keys(CATALOGUES).filter((l) => l !== "en").sort()];

export const FALLBACK = "en";

function bundle(lang: string): FluentBundle {
  // No bidi isolation marks around arguments: they would land in copied text and in tests.
  const b = new FluentBundle(lang, { useIsolating: false });
  const errors = b.addResource(new FluentResource(CATALOGUES[lang]));
  if (errors.length > 0) throw new Error(`locales/${lang}.ftl: ${errors[0]}`);
  return b;
}

const english = bundle(FALLBACK);
const built = new Map<string, FluentBundle>([[FALLBACK, english]]);

let current = $state.raw<{ lang: string; bundle: FluentBundle }>({ lang: FALLBACK, bundle: english });

/** The shipped language that best fits `wanted` (the user's choice or the system's list). */
export function negotiate(wanted: readonly string[]): string {
  return negotiateLanguages([...wanted], LANGUAGES, { defaultLocale: FALLBACK, strategy: "lookup" })[0] ?? FALLBACK;
}

/** The system's languages as the web view reports them. */
function systemLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return [FALLBACK];
  return navigator.languages?.length ? navigator.languages : [navigator.language ?? FALLBACK];
}

/** Uses `choice` ("de", …) or, when null, the system's language; returns the one in use. */
export function setLanguage(choice: string | null): string {
  const lang = negotiate(choice ? [choice] : systemLanguages());
  if (lang === current.lang) return lang;
  let b = built.get(lang);
  if (!b) {
    b = bundle(lang);
    built.set(lang, b);
  }
  current = { lang, bundle: b };
  if (typeof document !== "undefined") document.documentElement.lang = lang;
  return lang;
}

/** The language in use. */
export function language(): string {
  return current.lang;
}

/** The message `id` with its arguments, in the language in use (English if it lacks one). */
export function t(id: string, args?: Record<string, FluentVariable | null | undefined>): string {
  const b = current.bundle;
  const [from, message] = b.hasMessage(id) ? [b, b.getMessage(id)] : [english, english.getMessage(id)];
  if (!message?.value) return id;
  const clean = args ? Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v ?? ""])) : undefined;
  return from.formatPattern(message.value, clean);
}

/** The name a language gives itself ("Deutsch"), from its own catalogue. */
export function languageName(lang: string): string {
  const b = built.get(lang) ?? bundle(lang);
  built.set(lang, b);
  const m = b.getMessage("language-name");
  return m?.value ? b.formatPattern(m.value) : lang;
}

/** "7 Dec 2026, 10:42" in the language in use, from Unix seconds. */
export function when(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString(current.lang, { dateStyle: "medium", timeStyle: "short" });
}

/** A whole number in the language in use ("1,000", "1.000", "1 000"). */
export function count(n: number): string {
  return new Intl.NumberFormat(current.lang).format(n);
}

/** Error codes whose translated headline says it all; the others add Rust's detail. */
const SELF_EXPLAINED = new Set(["no_vault", "locked", "passphrase_required", "wrong_passphrase", "invalid_fields", "key_missing", "no_recovery_key", "already_exists"]);

/**
 * An error as the shell shows it: a translated headline by its code, and Rust's own words
 * (which file, which field, the system's reason) as the detail where they add something.
 * Anything else reported (already translated by whoever reported it) is the headline.
 */
export function errorText(e: unknown): { headline: string; detail: string | null } {
  if (isIpcError(e)) {
    return { headline: t(`error-${e.code}`), detail: SELF_EXPLAINED.has(e.code) ? null : e.message };
  }
  return { headline: String(e), detail: null };
}
