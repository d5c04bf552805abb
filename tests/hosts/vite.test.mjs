// examples/vite from the packed tarball: the dev server, then `vite build` and
// `vite preview`, on loopback, the page in Chromium each time. No vite.config:
// the package needs none.
import assert from "node:assert/strict";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { usePage } from "./page.mjs";
import { HOSTS, REPO, bin, freePort, must, row, run, startServer } from "./hosts.mjs";

const version = JSON.parse(readFileSync(join(HOSTS, "node_modules/vite/package.json"), "utf8")).version;

const app = join(HOSTS, "vite");
rmSync(app, { recursive: true, force: true });
cpSync(join(REPO, "examples/vite"), app, { recursive: true });

test(`Vite ${version}: the dev server, the page validates and prices in Chromium`, async () => {
  const port = await freePort();
  const server = await startServer(bin.node24, [bin.vite, "--host", "127.0.0.1", "--port", String(port), "--strictPort"], {
    cwd: app,
    url: `http://127.0.0.1:${port}/`,
  });
  try {
    await usePage(server.url);
  } finally {
    await server.stop();
  }
});

test(`Vite ${version}: build, preview, the page validates and prices in Chromium`, async () => {
  const build = must(await run(bin.node24, [bin.vite, "build"], { cwd: app, timeoutMs: 300_000 }), "vite build");
  const outputs = build.split("\n").filter((l) => /^dist\//.test(l.trim()));
  console.log(outputs.map((l) => `     ${l.trim()}`).join("\n"));
  const wasm = outputs.filter((l) => l.includes(".wasm"));
  assert.equal(wasm.length, 1, `one wasm file: ${outputs.join("\n")}`);

  const port = await freePort();
  const server = await startServer(bin.node24, [bin.vite, "preview", "--host", "127.0.0.1", "--port", String(port), "--strictPort"], {
    cwd: app,
    url: `http://127.0.0.1:${port}/`,
  });
  try {
    const { requests } = await usePage(server.url);
    assert.ok(requests.some((p) => /^\/assets\/.*\.wasm$/.test(p)), requests.join(" "));
  } finally {
    await server.stop();
  }
  const sizes = outputs.map((l) => l.trim().replace(/^dist\/assets\//, "").replace(/\s+/g, " ")).join("; ");
  row("Vite", version, "vite dev, vite build, vite preview; page in Chromium each (validate, price)", sizes);
});
