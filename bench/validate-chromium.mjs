// (a) in headless Chromium: the same four requests and the same zod schema as
// validate.mjs, timed inside one page that loads the package's browser build
// and zod's ES modules through an import map (no bundler), rounds alternating.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PEERS, progress } from "./common.mjs";
import { REQUESTS, WARM_UP_MS, apiframeSchema } from "./validate.mjs";

export async function validationInChromium({ rounds = 5, calls = 20_000 } = {}) {
  const { launchChromium, serveStatic } = await import(pathToFileURL(join(process.env.REPO, "tests/js/serve.mjs")).href);
  const root = join(process.cwd(), "chromium-root");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  symlinkSync(join(process.cwd(), "node_modules/gpt-image-edge"), join(root, "pkg"));
  symlinkSync(join(PEERS, "node_modules/zod"), join(root, "zod"));
  writeFileSync(
    join(root, "index.html"),
    `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "gpt-image-edge": "/pkg/dist/browser.mjs", "zod": "/zod/index.js" } }</script>
<script type="module">
import { validateRequest } from "gpt-image-edge";
import { z } from "zod";
const apiframeSchema = ${apiframeSchema.toString()};
const schema = apiframeSchema(z);
const REQUESTS = ${JSON.stringify(REQUESTS)};
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const rows = [];
let sink = 0;
for (const [name, request] of Object.entries(REQUESTS)) {
  const ours = () => (validateRequest("apiframe", request).ok ? 1 : 2);
  const theirs = () => (schema.safeParse(request).success ? 1 : 2);
  if (ours() !== theirs()) throw new Error("disagree on " + name);
  const warmUntil = performance.now() + ${WARM_UP_MS};
  for (let i = 0; i < 2000 || performance.now() < warmUntil; i++) sink ^= ours() ^ theirs();
  const times = { ours: [], theirs: [] };
  for (let r = 0; r < ${rounds}; r++) {
    const order = r % 2 ? [["theirs", theirs], ["ours", ours]] : [["ours", ours], ["theirs", theirs]];
    for (const [side, fn] of order) {
      const t0 = performance.now();
      for (let i = 0; i < ${calls}; i++) sink ^= fn();
      times[side].push(((performance.now() - t0) * 1000) / ${calls});
    }
  }
  rows.push({ name, ours: median(times.ours), theirs: median(times.theirs) });
}
window.__rows = rows;
window.__sink = sink;
</script>`,
  );
  const server = await serveStatic(root);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    progress("validation in Chromium");
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => window.__rows || null, null, { timeout: 600_000, polling: 500 }).catch(() => {});
    if (errors.length) throw new Error(`the Chromium page failed: ${errors.join("; ")}`);
    const rows = await page.evaluate(() => window.__rows);
    if (!rows) throw new Error("the Chromium page gave no figures");
    return { rows, version: browser.version() };
  } finally {
    await browser.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
