// examples/hono from the packed tarball: on Node (@hono/node-server; no build
// step) and on Cloudflare Workers (`wrangler deploy --dry-run` bundles it,
// `wrangler dev` serves it), each answering a page's same-origin generate
// against the sandbox.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { copyExample, generateSameOrigin, routeEnv, seconds, startNode, startWrangler, versionOf } from "./frameworks.mjs";
import { bin, must, row, run } from "./hosts.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const version = versionOf("hono");

test(`Hono ${version} on Node (@hono/node-server ${versionOf("@hono/node-server")}): a same-origin generate through the route`, async () => {
  const start = performance.now();
  const app = copyExample("hono");
  const server = await startNode(app, ["src/node.js"], routeEnv(sandbox));
  try {
    await generateSameOrigin(server);
  } finally {
    await server.stop();
  }
  row("Hono (@hono/node-server)", version, `node src/node.js; same-origin generate polled to the image (${seconds(start)})`);
});

test(`Hono ${version} on Workers (wrangler ${versionOf("wrangler")}): deploy --dry-run, wrangler dev, a same-origin generate`, async () => {
  const start = performance.now();
  const app = copyExample("hono", "hono-worker");
  const out = must(await run(bin.node24, [bin.wrangler, "deploy", "--dry-run", "--outdir", "dist"], { cwd: app, timeoutMs: 180_000 }), "wrangler deploy --dry-run");
  const built = seconds(start);
  const wasm = readdirSync(join(app, "dist"), { recursive: true }).filter((f) => String(f).endsWith(".wasm"));
  assert.equal(wasm.length, 1, `wasm modules: ${wasm.join(" ")}`);
  const total = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(out);
  assert.ok(total, out);
  assert.match(readFileSync(join(app, "src/worker.js"), "utf8"), /c\.req\.raw/);
  const server = await startWrangler(app, routeEnv(sandbox));
  try {
    await generateSameOrigin(server);
  } finally {
    await server.stop();
  }
  row("Hono (Workers, wrangler dev)", version, `wrangler deploy --dry-run (${built}), wrangler dev; same-origin generate polled to the image (${seconds(start)})`, `Total Upload ${total[1]}, gzip ${total[2]}`);
});
