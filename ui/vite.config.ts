import { defineConfig } from "vitest/config";
import { svelte, vitePreprocess } from "@sveltejs/vite-plugin-svelte";
import { brandIcons } from "./build/brand-icons.ts";

export default defineConfig({
  plugins: [svelte({ preprocess: vitePreprocess() }), brandIcons()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  // Component tests run Svelte's browser build in jsdom.
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: { environment: "jsdom", include: ["src/**/*.test.ts"] },
});
