// examples/astro from the packed tarball: `astro build` (output: "server",
// @astrojs/node standalone), `node dist/server/entry.mjs`, a page's same-origin
// generate against the sandbox.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { copyExample, generateSameOrigin, routeEnv, seconds, startNode, versionOf } from "./frameworks.mjs";
import { HOSTS, bin, must, row, run } from "./hosts.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const version = versionOf("astro");

test(`Astro ${version} (@astrojs/node ${versionOf("@astrojs/node")}): astro build, node dist/server/entry.mjs, a same-origin generate`, async () => {
  const start = performance.now();
  const app = copyExample("astro");
  must(await run(bin.node24, [join(HOSTS, "node_modules/astro/bin/astro.mjs"), "build"], { cwd: app, env: { ASTRO_TELEMETRY_DISABLED: "1" }, timeoutMs: 300_000 }), "astro build");
  const built = seconds(start);
  assert.ok(existsSync(join(app, "dist/server/entry.mjs")));
  const server = await startNode(app, ["dist/server/entry.mjs"], routeEnv(sandbox));
  try {
    await generateSameOrigin(server);
  } finally {
    await server.stop();
  }
  row("Astro (@astrojs/node)", version, `astro build (${built}), node dist/server/entry.mjs; same-origin generate polled to the image (${seconds(start)})`);
});
