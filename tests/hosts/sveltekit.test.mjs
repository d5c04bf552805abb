// examples/sveltekit from the packed tarball: `vite build` with adapter-node
// (served by `node build`) and with adapter-cloudflare (served by `wrangler
// dev`), each answering a page's same-origin generate against the sandbox.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { copyExample, generateSameOrigin, routeEnv, seconds, startNode, startWrangler, versionOf } from "./frameworks.mjs";
import { bin, must, row, run } from "./hosts.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const version = versionOf("@sveltejs/kit");

test(`SvelteKit ${version} (adapter-node ${versionOf("@sveltejs/adapter-node")}): vite build, node build, a same-origin generate`, async () => {
  const start = performance.now();
  const app = copyExample("sveltekit", "sveltekit-node");
  must(await run(bin.node24, [bin.vite, "build"], { cwd: app, timeoutMs: 300_000 }), "vite build (adapter-node)");
  const built = seconds(start);
  assert.ok(existsSync(join(app, "build/index.js")));
  const server = await startNode(app, ["build"], routeEnv(sandbox));
  try {
    await generateSameOrigin(server);
  } finally {
    await server.stop();
  }
  row("SvelteKit (adapter-node)", version, `vite build (${built}), node build; same-origin generate polled to the image (${seconds(start)})`);
});

test(`SvelteKit ${version} (adapter-cloudflare ${versionOf("@sveltejs/adapter-cloudflare")}): vite build, wrangler dev, a same-origin generate`, async () => {
  const start = performance.now();
  const app = copyExample("sveltekit", "sveltekit-cloudflare");
  must(await run(bin.node24, [bin.vite, "build"], { cwd: app, env: { ADAPTER: "cloudflare" }, timeoutMs: 300_000 }), "vite build (adapter-cloudflare)");
  const built = seconds(start);
  assert.ok(existsSync(join(app, ".svelte-kit/cloudflare/_worker.js")));
  const server = await startWrangler(app, routeEnv(sandbox));
  try {
    await generateSameOrigin(server);
  } finally {
    await server.stop();
  }
  row("SvelteKit (adapter-cloudflare, wrangler dev)", version, `vite build (${built}), wrangler dev; same-origin generate polled to the image (${seconds(start)})`);
});
