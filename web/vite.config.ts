// The portal's build: one entry (index.html), hashed assets under /assets/,
// written into internal/portal/dist, which the Go binary embeds. `make test`
// builds again into a temporary folder and compares, so the committed assets
// are always exactly what these sources build.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: process.env.PORTAL_OUT_DIR ?? "../internal/portal/dist",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    // No inline script anywhere: the polyfill Vite would inject is not needed
    // by the browsers the portal supports, and the CSP forbids inline code.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  // `npm run dev` serves the sources with hot reload and passes API calls to
  // a running node (PNYX_API, default the README's 127.0.0.1:26680).
  server: {
    proxy: { "/v1": process.env.PNYX_API ?? "http://127.0.0.1:26680", "/openapi.json": process.env.PNYX_API ?? "http://127.0.0.1:26680" },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
} as any);
