// The catalogue's own tests: every shipped language has every message with the same variables,
// every id the components use exists, and no component writes user-facing words itself.
import { describe, expect, it } from "vitest";
import { parse as parseFluent, Message, Junk, type Pattern } from "@fluent/syntax";
import { parse as parseSvelte } from "svelte/compiler";
import { CATALOGUES, LANGUAGES, errorText, language, setLanguage, t, when, count } from "./index";

// Every component and module of the UI as text (tests and generated bindings aside), by path.
const SOURCES = import.meta.glob(["../../**/*.svelte", "../../**/*.ts", "!../../**/*.test.ts", "!../../lib/ipc/bindings.ts"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const BINDINGS = (import.meta.glob("../ipc/bindings.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>)["../ipc/bindings.ts"];

/** Message ids to the sorted names of the variables each uses, and the parse errors. */
function messages(text: string): { vars: Map<string, string>; junk: string[] } {
  const resource = parseFluent(text, { withSpans: false });
  const vars = new Map<string, string>();
  const junk: string[] = [];
  for (const entry of resource.body) {
    if (entry instanceof Junk) junk.push(entry.content.slice(0, 80));
    if (!(entry instanceof Message)) continue;
    const names = new Set<string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== "object" || node === null) return;
      const n = node as { type?: string; id?: { name: string } };
      if (n.type === "VariableReference" && n.id) names.add(n.id.name);
      for (const value of Object.values(node)) walk(value);
    };
    walk(entry.value as Pattern | null);
    vars.set(entry.id.name, [...names].sort().join(","));
  }
  return { vars, junk };
}


describe("the catalogue", () => {
  const english = messages(CATALOGUES.en);

  it("ships English, German, French and Spanish", () => {
    expect(LANGUAGES).toEqual(["en", "de", "es", "fr"]);
  });

  it.each(LANGUAGES)("%s parses and has every message with the same variables", (lang) => {
    const { vars, junk } = messages(CATALOGUES[lang]);
    expect(junk, `${lang}.ftl has lines Fluent cannot parse`).toEqual([]);
    const missing = [...english.vars.keys()].filter((id) => !vars.has(id));
    const extra = [...vars.keys()].filter((id) => !english.vars.has(id));
    const differing = [...english.vars].filter(([id, v]) => vars.has(id) && vars.get(id) !== v).map(([id]) => id);
    expect({ missing, extra, differing }).toEqual({ missing: [], extra: [], differing: [] });
  });

  it("has each message the components name, and one per error code and sync state", () => {
    const used = new Set<string>();
    for (const text of Object.values(SOURCES)) {
      for (const m of text.matchAll(/\bt\(\s*"([a-z0-9_-]+)"/g)) used.add(m[1]);
      for (const m of text.matchAll(/\bt1?\([^)]*\?\s*"([a-z0-9_-]+)"\s*:\s*"([a-z0-9_-]+)"/g)) {
        used.add(m[1]);
        used.add(m[2]);
      }
    }
    expect(Object.keys(SOURCES).length).toBeGreaterThan(20);
    const union = (name: string) => [...(new RegExp(`export type ${name} = ([^;]+);`).exec(BINDINGS)?.[1] ?? "").matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
    for (const code of union("ErrorCode")) used.add(`error-${code}`);
    for (const state of union("SyncState").filter((s) => s !== "off")) used.add(`sync-state-${state}`);
    for (const slot of ["recovery-key", "backup-passphrase", "passphrase"]) used.add(`opens-with-${slot}`);
    for (const field of ["algorithm", "digits", "period", "counter", "kind"]) used.add(`field-${field}`);
    expect(used.size).toBeGreaterThan(200);
    expect([...used].filter((id) => !english.vars.has(id))).toEqual([]);
  });
});

// ---- No hard-coded words in components ----

/** Attributes whose text a person reads or hears. */
const SPOKEN = new Set(["aria-label", "aria-description", "aria-roledescription", "aria-valuetext", "placeholder", "title", "alt", "label"]);
/** Words in script that are not for people: key names. */
const KEYS = new Set(["Enter", "Escape", "ArrowDown", "ArrowUp", "Tab", "INPUT", "TEXTAREA"]);
/** Calls whose string arguments are selectors or event names, not words. */
const TECHNICAL_CALLS = new Set(["querySelector", "querySelectorAll", "closest", "matches", "addEventListener", "removeEventListener", "escape", "getData", "startsWith", "Error"]);

const LETTERS = /\p{L}{2,}/u;
type Node = { type: string; [key: string]: unknown };

/** Words a component writes itself: where, and what. */
export function hardCoded(source: string, file = "component.svelte"): string[] {
  const ast = parseSvelte(source, { modern: true }) as unknown as Node;
  const found: string[] = [];
  const report = (what: string) => found.push(`${file}: ${JSON.stringify(what.trim().slice(0, 60))}`);

  // What an expression can evaluate to: a literal there is text shown to the user.
  const outputs = (e: Node | null | undefined): void => {
    if (!e) return;
    switch (e.type) {
      case "Literal":
        if (typeof e.value === "string" && LETTERS.test(e.value)) report(e.value);
        return;
      case "TemplateLiteral":
        for (const q of e.quasis as Node[]) if (LETTERS.test((q.value as { cooked: string }).cooked)) report((q.value as { cooked: string }).cooked);
        (e.expressions as Node[]).forEach(outputs);
        return;
      case "ConditionalExpression":
        outputs(e.consequent as Node);
        outputs(e.alternate as Node);
        return;
      case "LogicalExpression":
        outputs(e.left as Node);
        outputs(e.right as Node);
        return;
      case "BinaryExpression":
        if (e.operator === "+") {
          outputs(e.left as Node);
          outputs(e.right as Node);
        }
        return;
      case "CallExpression": {
        const callee = e.callee as Node;
        const name = callee.type === "Identifier" ? callee.name : callee.type === "MemberExpression" ? (callee.property as Node).name : null;
        const args = e.arguments as Node[];
        if (name === "t") args.slice(1).forEach(checkScript);
        else if (!TECHNICAL_CALLS.has(name as string)) args.forEach(outputs);
        return;
      }
    }
  };

  // Script: any literal that reads like words (two words, or a capitalised word) outside t()'s
  // id, selectors and key names.
  const checkScript = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(checkScript);
    if (typeof node !== "object" || node === null) return;
    const n = node as Node;
    if (n.type === "ImportDeclaration") return;
    if (n.type === "CallExpression") {
      const callee = n.callee as Node;
      const name = callee.type === "Identifier" ? callee.name : callee.type === "MemberExpression" ? (callee.property as Node).name : null;
      if (name === "t") return (n.arguments as Node[]).slice(1).forEach(checkScript);
      if (TECHNICAL_CALLS.has(name as string)) return;
    }
    const prose = (s: string) => !KEYS.has(s) && (/\p{L}\s+\p{L}/u.test(s) || /^\p{Lu}\p{Ll}+[.…!?]?$/u.test(s));
    if (n.type === "Literal" && typeof n.value === "string" && prose(n.value)) report(n.value);
    if (n.type === "TemplateElement" && prose((n.value as { cooked: string }).cooked)) report((n.value as { cooked: string }).cooked);
    for (const [key, value] of Object.entries(n)) if (key !== "loc" && key !== "leadingComments" && key !== "trailingComments") checkScript(value);
  };

  // Markup: text between tags, spoken attributes, and what {expressions} show.
  const markup = (node: unknown, inText: boolean): void => {
    if (Array.isArray(node)) return node.forEach((n) => markup(n, inText));
    if (typeof node !== "object" || node === null) return;
    const n = node as Node;
    switch (n.type) {
      case "Text":
        if (inText && LETTERS.test(n.data as string)) report(n.data as string);
        return;
      case "Comment":
        return;
      case "ExpressionTag":
        if (inText) outputs(n.expression as Node);
        return;
      case "HtmlTag":
        return;
      case "Attribute": {
        const spoken = SPOKEN.has(n.name as string);
        const value = n.value;
        if (value === true) return;
        const parts = (Array.isArray(value) ? value : [value]) as Node[];
        for (const part of parts) {
          if (part.type === "Text" && spoken && LETTERS.test(part.data as string)) report(part.data as string);
          if (part.type === "ExpressionTag" && spoken) outputs(part.expression as Node);
          if (part.type === "ExpressionTag" && !spoken) checkScript(part.expression);
        }
        return;
      }
    }
    for (const [key, value] of Object.entries(n)) {
      if (key === "attributes" || key === "fragment" || key === "nodes" || key === "body" || key === "consequent" || key === "alternate" || key === "fallback" || key === "pending" || key === "then" || key === "catch") {
        markup(value, key !== "attributes" || true);
      } else if (key === "expression" || key === "test" || key === "context") {
        checkScript(value);
      }
    }
  };

  const root = ast as unknown as { fragment: Node; instance?: { content: Node }; module?: { content: Node } };
  markup(root.fragment, true);
  if (root.instance) checkScript(root.instance.content);
  if (root.module) checkScript(root.module.content);
  return found;
}

describe("components", () => {
  it("finds hard-coded words in text, spoken attributes, shown expressions and script", () => {
    const sample = `<script>let a = "Saved it"; const ok = t("save"); document.querySelector("main button");</script>
      <p>Hello</p><button aria-label="Close it">{t("close")}</button><span title={x ? "Yes" : t("no")}>{busy ? "Busy…" : t("idle")}</span>
      <input placeholder="otpauth://totp/…" class="a b" />{#if x === "screen"}{/if}`;
    expect(hardCoded(sample)).toEqual([
      'component.svelte: "Hello"',
      'component.svelte: "Close it"',
      'component.svelte: "Yes"',
      'component.svelte: "Busy…"',
      'component.svelte: "otpauth"',
      'component.svelte: "Saved it"',
    ].map((s) => s.replace('"otpauth"', '"otpauth://totp/…"')));
  });

  it("write no user-facing words of their own: all come from the catalogue", () => {
    // The placeholder shows the shape of a link, not words; brand and format names are data.
    const allowed = new Set(['"otpauth://totp/…"', '"pool.ntp.org"', '"https://auth.example.com"', '"twofold://sync?…"']);
    const found = Object.entries(SOURCES)
      .filter(([f]) => f.endsWith(".svelte"))
      .flatMap(([f, text]) => hardCoded(text, f.replace(/^(\.\.\/)+/, "")))
      .filter((s) => !allowed.has(s.slice(s.indexOf(": ") + 2)));
    expect(found).toEqual([]);
  });
});

describe("t", () => {
  it("follows the chosen language, with plurals, and falls back to English", () => {
    setLanguage("de");
    expect(language()).toBe("de");
    expect(t("imported", { count: 1 })).toBe("1 Konto importiert.");
    expect(t("imported", { count: 3 })).toBe("3 Konten importiert.");
    setLanguage("fr");
    expect(t("add-title", { count: 2 })).toBe("Ajouter 2 comptes ?");
    setLanguage("es-MX");
    expect(language()).toBe("es");
    setLanguage("pt-BR");
    expect(language()).toBe("en");
    expect(t("no-such-message")).toBe("no-such-message");
  });

  it("formats numbers and dates per language", () => {
    setLanguage("de");
    expect(count(1000)).toBe("1.000");
    expect(when(0)).toMatch(/1970/);
    setLanguage("en");
    expect(count(1000)).toBe("1,000");
  });

  it("words an error by its code, with Rust's detail where it adds something", () => {
    setLanguage("de");
    expect(errorText({ code: "wrong_passphrase", message: "wrong passphrase", fields: [] })).toEqual({ headline: "Falsche Passphrase: Es wurde nichts geöffnet.", detail: null });
    expect(errorText({ code: "io", message: "/tmp/x: denied", fields: [] }).detail).toBe("/tmp/x: denied");
    setLanguage("en");
  });
});
