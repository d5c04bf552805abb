// gpt-image-edge/ai with the real `ai` package inside workerd: the scenarios
// bundled as a Worker (esbuild, "workerd" condition), against the sandbox.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";
import { startWorker } from "./workerd.mjs";

const repo = createRequire(join(process.env.REPO, "package.json"));
const esbuild = await import(pathToFileURL(repo.resolve("esbuild")).href);
await esbuild.build({
  entryPoints: ["worker-ai.mjs"],
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  loader: { ".wasm": "copy" },
  nodePaths: [join(process.cwd(), "node_modules"), join(process.env.REPO, "node_modules")],
  outdir: "worker-ai",
  logLevel: "warning",
});
const sandbox = await startSandbox(["--time-scale", "0.02"]);
const mf = await startWorker("worker-ai/worker-ai.js", { SANDBOX_URL: sandbox.url }, { modulesRoot: "worker-ai" });
const names = await (await mf.dispatchFetch("http://worker/list")).json();
for (const name of names) {
  test(`workerd ai: ${name}`, async () => {
    const out = await (await mf.dispatchFetch(`http://worker/run?name=${encodeURIComponent(name)}`)).json();
    assert.ok(out.ok, out.error);
  });
}
