// Runs a Worker module from the test folder in real workerd through Miniflare.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { after } from "./harness.mjs";

export async function startWorker(scriptPath, bindings = {}, options = {}) {
  const repo = createRequire(process.env.REPO + "/package.json");
  const { Miniflare } = await import(pathToFileURL(repo.resolve("miniflare")).href);
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: process.cwd(),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
    bindings,
    ...options,
  });
  await mf.ready;
  after(() => mf.dispose());
  return mf;
}
