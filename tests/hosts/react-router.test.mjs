// examples/react-router (framework mode) from the packed tarball: `react-router
// build`, `react-router-serve`, a page's same-origin generate through the
// resource route (action, then loader) against the sandbox.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { copyExample, generateSameOrigin, routeEnv, seconds, startNode, versionOf } from "./frameworks.mjs";
import { HOSTS, bin, must, row, run } from "./hosts.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const version = versionOf("react-router");

test(`React Router ${version} (framework mode): react-router build, react-router-serve, a same-origin generate`, async () => {
  const start = performance.now();
  const app = copyExample("react-router");
  must(await run(bin.node24, [join(HOSTS, "node_modules/@react-router/dev/bin.cjs"), "build"], { cwd: app, timeoutMs: 300_000 }), "react-router build");
  const built = seconds(start);
  assert.ok(existsSync(join(app, "build/server/index.js")));
  const server = await startNode(app, [join(HOSTS, "node_modules/@react-router/serve/bin.cjs"), "./build/server/index.js"], routeEnv(sandbox));
  try {
    await generateSameOrigin(server);
  } finally {
    await server.stop();
  }
  row("React Router (framework mode, react-router-serve)", version, `react-router build (${built}), react-router-serve; same-origin generate polled to the image (${seconds(start)})`);
});
