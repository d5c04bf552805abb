// examples/nuxt from the packed tarball: `nuxt build` with the node-server
// preset (served by node .output/server/index.mjs) and with the
// cloudflare_module preset (served by `wrangler dev` from the wrangler.json it
// writes), each answering a page's same-origin generate against the sandbox.
// The cloudflare_module build needs nitro.experimental.wasm (see nuxt.config.ts).
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { copyExample, generateSameOrigin, routeEnv, seconds, startNode, startWrangler, versionOf } from "./frameworks.mjs";
import { HOSTS, bin, must, row, run } from "./hosts.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const version = versionOf("nuxt");
const nuxt = (app, args) => run(bin.node24, [join(HOSTS, "node_modules/nuxt/bin/nuxt.mjs"), ...args], { cwd: app, env: { NUXT_TELEMETRY_DISABLED: "1" }, timeoutMs: 300_000 });

test(`Nuxt ${version} (node-server): nuxt build, node .output/server/index.mjs, a same-origin generate`, async () => {
  const start = performance.now();
  const app = copyExample("nuxt", "nuxt-node");
  must(await nuxt(app, ["build"]), "nuxt build (node-server)");
  const built = seconds(start);
  assert.ok(existsSync(join(app, ".output/server/index.mjs")));
  const server = await startNode(app, [".output/server/index.mjs"], routeEnv(sandbox));
  try {
    await generateSameOrigin(server);
  } finally {
    await server.stop();
  }
  row("Nuxt (node-server)", version, `nuxt build (${built}), node .output/server/index.mjs; same-origin generate polled to the image (${seconds(start)})`);
});

test(`Nuxt ${version} (cloudflare_module): nuxt build --preset cloudflare_module, wrangler dev, a same-origin generate`, async () => {
  const start = performance.now();
  const app = copyExample("nuxt", "nuxt-cloudflare");
  must(await nuxt(app, ["build", "--preset", "cloudflare_module"]), "nuxt build --preset cloudflare_module");
  const built = seconds(start);
  const wasm = readdirSync(join(app, ".output/server"), { recursive: true }).filter((f) => String(f).endsWith(".wasm"));
  assert.equal(wasm.length, 1, `wasm modules: ${wasm.join(" ")}`);
  // From the app's folder: .wrangler/deploy/config.json points wrangler at .output/server/wrangler.json.
  const server = await startWrangler(app, routeEnv(sandbox));
  try {
    await generateSameOrigin(server);
  } finally {
    await server.stop();
  }
  row("Nuxt (cloudflare_module, wrangler dev)", version, `nuxt build --preset cloudflare_module (${built}; nitro.experimental.wasm), wrangler dev; same-origin generate polled to the image (${seconds(start)})`);
});
