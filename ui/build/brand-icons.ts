// Vite plugin: the simple-icons set (CC0) as the app's brand icons, with no network at run
// time. `virtual:brand-icons` is a compact index (slug, title, colour, other names) that the
// page imports lazily; each icon is its own file, /icons/<slug>.svg, fetched by the web view
// only when a row that shows it is on the page.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Plugin } from "vite";

const ID = "virtual:brand-icons";
const RESOLVED = "\0" + ID;

type Entry = { title: string; slug: string; hex: string; aliases?: { aka?: string[]; dup?: { title: string }[]; loc?: Record<string, string> } };

function root(): string {
  // The package's main file sits at its root (its exports do not list package.json).
  return dirname(createRequire(import.meta.url).resolve("simple-icons"));
}

/** [slug, title, hex, other names…] for every icon, in the set's order. */
function index(): string[][] {
  const data = JSON.parse(readFileSync(join(root(), "data", "simple-icons.json"), "utf8")) as Entry[];
  return data.map((e) => {
    const other = [...(e.aliases?.aka ?? []), ...(e.aliases?.dup ?? []).map((d) => d.title), ...Object.values(e.aliases?.loc ?? {})];
    return [e.slug, e.title, e.hex, ...other];
  });
}

export function brandIcons(): Plugin {
  return {
    name: "twofold-brand-icons",
    resolveId(id) {
      return id === ID ? RESOLVED : undefined;
    },
    load(id) {
      return id === RESOLVED ? `export const icons = ${JSON.stringify(index())};` : undefined;
    },
    configureServer(server) {
      server.middlewares.use("/icons", (req, res, next) => {
        const slug = /^\/([a-z0-9]+)\.svg$/.exec(req.url ?? "")?.[1];
        if (!slug) return next();
        try {
          res.setHeader("content-type", "image/svg+xml");
          res.end(readFileSync(join(root(), "icons", `${slug}.svg`)));
        } catch {
          next();
        }
      });
    },
    generateBundle() {
      const dir = join(root(), "icons");
      for (const file of readdirSync(dir)) {
        if (file.endsWith(".svg")) this.emitFile({ type: "asset", fileName: `icons/${file}`, source: readFileSync(join(dir, file)) });
      }
    },
  };
}
