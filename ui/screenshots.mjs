// Screenshots of the built UI's main screens, light and dark, in Debian's Chromium through
// playwright-core, against a mock of Tauri's IPC (canned accounts; no Rust). Review artefacts,
// written to $TWOFOLD_SCREENSHOTS (default ../target/screenshots/ui). Each screen is also checked
// for what it must show, for page errors, and by axe-core against WCAG 2.2 A and AA (names,
// roles, contrast, …: any violation fails the screen); prints one line per check and
// "N passed, M failed".
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
// WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the issue asks and what screen readers need.
const axeTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = join(here, "dist");
const out = process.env.TWOFOLD_SCREENSHOTS ?? join(here, "..", "target", "screenshots", "ui");
const browserPath = process.env.TWOFOLD_CHROMIUM ?? "/usr/bin/chromium";

const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png" };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
  const file = join(dist, path === "/" ? "index.html" : path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;

// The mock backend, installed before the page's scripts run. `scenario` picks the vault state.
function mockTauri(scenario) {
  const now = Math.floor(Date.now() / 1000);
  const view = (id, issuer, name, code, extra = {}) => ({
    id, issuer, name, kind: "totp", code, next_code: "000000", period: 30, seconds_left: 30 - (now % 30),
    tags: [], color: null, icon: null, pinned: false, last_used_at: null, ...extra,
  });
  const codes = [
    view("1", "GitHub", "octocat", "287082", { pinned: true, tags: ["work"] }),
    view("2", "Google", "alice@gmail.com", "1234567", { kind: "totp" }),
    view("3", "Dropbox", "bob@example.com", "55034911", { color: "#0061ff" }),
    view("4", "Slack", "carol", "902138"),
    { ...view("5", "Yubico", "key", "755224"), kind: "hotp", period: null, seconds_left: null },
    view("6", "Bank of Example", "savings", "451170"),
  ];
  const preview = {
    id: 1, source: "screen", problems: [], enrollment: null,
    items: [
      { index: 0, issuer: "Figma", name: "dana@example.com", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, duplicate_of: null, tags: [] },
      { index: 1, issuer: "Discord", name: "dana", kind: "totp", algorithm: "SHA256", digits: 8, period: 30, duplicate_of: null, tags: [] },
      { index: 2, issuer: "GitHub", name: "octocat", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, duplicate_of: "GitHub (octocat)", tags: [] },
    ],
  };
  const status = (state) => ({ state, needs_passphrase: true, has_recovery_key: scenario !== "nokey", path: "/home/you/.local/share/dev.twofold.app/vault.tfv" });
  const answers = {
    vault_status: () => status(scenario === "unlock" ? "locked" : "unlocked"),
    list_codes: () => codes,
    get_settings: () => ({ auto_lock_minutes: 5, clipboard_clear_seconds: 30, sort: "name", close_to_tray: true, start_at_login: false, unlock_to_approve: false, language: null, global_shortcut: null }),
    preview_opened_links: () => null,
    backup_status: () => ({
      enabled: true, folder: "/home/you/Dropbox/twofold", default_folder: false, error: null, has_passphrase: false,
      has_recovery_key: scenario !== "nokey", files: 7,
      last: { file: "/home/you/Dropbox/twofold/twofold-20261207T101500Z.twofold-backup", at: now - 600, accounts: 6 },
    }),
    check_clock: () => ({ offset_seconds: 0, source: "https://auth.shop.example", warning: null, ntp_server: null }),
    sync_status: () => ({ state: "synced", reason: null, server: "https://auth.shop.example", name: "Home laptop", last_sync_at: now - 30, pending: 0 }),
    sync_devices: () => [
      { uuid: "d1", name: "Home laptop", platform: "desktop", last_seen_at: now - 30, this: true },
      { uuid: "d2", name: "Work desktop", platform: "desktop", last_seen_at: now - 3600, this: false },
    ],
    check_keychain: () => ({ state: "ok", reason: "" }),
    new_recovery_key: () => ({ key: "E1RQ-4WVM-ENV7-EY3S-F9XQ-RZBY-FY08-30M3-C97A", confirm: [3, 7] }),
    export_formats: () => [
      { id: "twofold", name: "Twofold backup (encrypted)", encrypted: true },
      { id: "aegis", name: "Aegis (encrypted JSON)", encrypted: true },
      { id: "otpauth", name: "otpauth:// list (plain text)", encrypted: false },
      { id: "google-qr", name: "Google Authenticator QR codes", encrypted: false },
    ],
    push_pending: () => scenario === "approval" ? [{
      uuid: "r1", app_name: "Shop", message: "Login requested", details: [{ key: "username", value: "dana" }, { key: "Account", value: "981266321" }],
      requester_ip: "203.0.113.9", requester_location: "Lyon, FR", created_at: Math.floor(Date.now() / 1000), expires_at: Math.floor(Date.now() / 1000) + 118,
      number_required: true, device_name: "Twofold on laptop",
    }] : [],
    push_devices: () => [{ uuid: "d1", name: "Twofold on laptop", server: "https://auth.shop.example", app_name: "Shop" }],
    page_shown: () => null,
    ui_ready: () => null,
    scan_screen: () => preview,
    "plugin:event|listen": () => 1,
    "plugin:event|unlisten": () => null,
  };
  let next = 1;
  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
    transformCallback: () => next++,
    unregisterCallback: () => {},
    convertFileSrc: (p) => p,
    invoke: async (cmd) => {
      const answer = answers[cmd];
      if (!answer) throw { code: "vault", message: `mock: no answer for ${cmd}`, fields: [] };
      return answer();
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} };
}

const screens = [
  { name: "unlock", scenario: "unlock", ready: "h1:has-text('Unlock')" },
  // Brand icons come after the first codes: GitHub, Google, Dropbox and Yubico have one in the
  // set; Slack is not in it and "Bank of Example" is no brand (initials).
  { name: "codes", scenario: "codes", ready: "[data-icon='github']", expect: ["287 082", "5503 4911", "GitHub"], icons: ["github", "google", "dropbox", "yubico"] },
  {
    name: "preview", scenario: "codes", ready: "[data-code]",
    act: (p) => p.click("button[aria-label='Scan screen for a QR code']"),
    then: "section.preview", expect: ["Add 3 accounts?", "Already in the vault as GitHub (octocat)", "Add 2"],
  },
  {
    name: "editor", scenario: "codes", ready: "[data-code]",
    act: (p) => p.click("button[aria-label='Manage GitHub octocat']"),
    then: "section.editor", expect: ["Pin to the top", "Show as QR code…", "Delete…"],
  },
  {
    name: "settings", scenario: "codes", ready: "[data-code]",
    act: (p) => p.click("button[aria-label='Settings']"),
    then: "form[aria-label='Settings']", expect: ["Lock after this many idle minutes", "Login approval", "https://auth.shop.example", "Twofold backup (encrypted)", "Backups", "6 accounts, verified", "Clock"],
  },
  { name: "recovery-banner", scenario: "nokey", ready: "[data-warning='recovery-key']", expect: ["Your vault has no recovery key yet", "Make my recovery key"] },
  {
    name: "recovery-key", scenario: "nokey", ready: "[data-warning='recovery-key']",
    act: (p) => p.click("button:has-text('Make my recovery key')"),
    then: "[data-recovery-key]", expect: ["Your recovery key", "E1RQ", "I wrote it down"],
  },
  {
    name: "approval", scenario: "approval", ready: "[role='dialog']",
    expect: ["Login requested", "From Lyon, FR · 203.0.113.9", "Type the number shown on the website", "This wasn't me"],
  },
  // The system's language is followed: German and French systems (navigator.languages).
  { name: "codes-de", scenario: "codes", locale: "de-DE", ready: "[data-icon='github']", expect: ["Bildschirm scannen", "Einstellungen", "Schlüssel von Hand eingeben"] },
  {
    name: "settings-fr", scenario: "codes", locale: "fr-FR", ready: "[data-code]",
    act: (p) => p.click("button[aria-label='Réglages']"),
    then: "form[aria-label='Réglages']", expect: ["Langue", "Verrouiller après ce nombre de minutes", "Approbation des connexions", "Sauvegardes"],
  },
  { name: "approval-es", scenario: "approval", locale: "es-ES", ready: "[role='dialog']", expect: ["Desde Lyon, FR · 203.0.113.9", "No he sido yo", "Aprobar"] },
  // Text at 200 % (the system's font size) and less motion: everything still fits the width.
  { name: "codes-200", scenario: "codes", textScale: 2, ready: "[data-code='287082']", expect: ["287 082", "Scan screen"] },
  {
    name: "settings-200", scenario: "codes", textScale: 2, ready: "[data-code]",
    act: (p) => p.click("button[aria-label='Settings']"),
    then: "form[aria-label='Settings']", expect: ["Lock after this many idle minutes"],
  },
];

await mkdir(out, { recursive: true });
const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
const results = [];
try {
  for (const theme of ["light", "dark"]) {
    for (const s of screens) {
      const name = `${s.name}-${theme}`;
      const context = await browser.newContext({
        colorScheme: theme, viewport: { width: 440, height: 660 }, locale: s.locale ?? "en-US",
        reducedMotion: s.textScale ? "reduce" : "no-preference",
      });
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      try {
        await page.addInitScript(mockTauri, s.scenario);
        await page.goto(base);
        if (s.textScale) await page.addStyleTag({ content: `html { font-size: ${s.textScale * 100}% }` });
        await page.waitForSelector(s.ready, { timeout: 10_000 });
        if (s.act) {
          await s.act(page);
          await page.waitForSelector(s.then, { timeout: 10_000 });
        }
        const text = await page.innerText("body");
        for (const want of s.expect ?? []) {
          if (!text.includes(want)) throw new Error(`"${want}" is not on the screen`);
        }
        for (const slug of s.icons ?? []) {
          const shown = await page.evaluate((slug) => {
            const el = document.querySelector(`[data-icon='${slug}']`);
            return el ? getComputedStyle(el, "::before").getPropertyValue("mask-image") || getComputedStyle(el, "::before").getPropertyValue("-webkit-mask-image") : null;
          }, slug);
          if (!shown || !shown.includes(`/icons/${slug}.svg`)) throw new Error(`no ${slug} icon on the screen (${shown})`);
          const served = await page.evaluate(async (slug) => (await fetch(`/icons/${slug}.svg`)).status, slug);
          if (served !== 200) throw new Error(`/icons/${slug}.svg is not in the build (${served})`);
        }
        const alert = await page.$("[role='alert']");
        if (alert) throw new Error(`an error is shown: ${await alert.innerText()}`);
        const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
        const want = theme === "dark" ? "rgb(20, 23, 29)" : "rgb(246, 247, 249)";
        if (bg !== want) throw new Error(`the ${theme} theme shows background ${bg}, not ${want}`);
        if (errors.length) throw new Error(errors.join("\n"));
        // Nothing runs off the side (WCAG 1.4.4 and 1.4.10: text resized, content reflows).
        const overflow = await page.evaluate(() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return [];
          const wide = [...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > width + 1 && getComputedStyle(e).position !== "absolute");
          return wide.slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px > ${width})`);
        });
        if (overflow.length) throw new Error(`content wider than the window: ${overflow.join(", ")}`);
        await page.screenshot({ path: join(out, `${name}.png`) });
        // Transitions settle before contrast is measured.
        await page.waitForTimeout(300);
        await page.addScriptTag({ path: axeSource });
        const violations = await page.evaluate(async (tags) => {
          const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
          return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ") + (n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, " ")}]` : "")).join("; ")}`);
        }, axeTags);
        if (violations.length) throw new Error(`accessibility (axe-core, WCAG 2.2 AA):\n  ${violations.join("\n  ")}`);
        results.push([name, null]);
        console.log(`ok   screenshot ${name}`);
      } catch (e) {
        results.push([name, e]);
        console.log(`FAIL screenshot ${name}: ${e.message ?? e}`);
      } finally {
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
const failed = results.filter(([, e]) => e).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
