// The smoke flow (validate, price, ImageClient.generate, createRouteHandler)
// from the installed tarball in every runtime the package claims: Node 20, 22,
// 24, 26 (engines ">=20"; ES modules and require), Deno 2 and Bun 1.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { HOSTS, bin, must, row, run } from "./hosts.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const cwd = join(HOSTS, "smoke");
const env = { SANDBOX_URL: sandbox.url };
const engines = JSON.parse(readFileSync(join(HOSTS, "node_modules/gpt-image-edge/package.json"), "utf8")).engines.node;

const hosts = [
  ["Node", "node20", ["esm.mjs"], ["cjs.cjs"]],
  ["Node", "node22", ["esm.mjs"], ["cjs.cjs"]],
  ["Node", "node24", ["esm.mjs"], ["cjs.cjs"]],
  ["Node", "node26", ["esm.mjs"], ["cjs.cjs"]],
  ["Deno", "deno", ["run", "--allow-all", "esm.mjs"], ["run", "--allow-all", "cjs.cjs"]],
  ["Bun", "bun", ["esm.mjs"], ["cjs.cjs"]],
];

test(`engines says node ${engines}, and every major from 20 is tested`, () => {
  assert.equal(engines, ">=20");
});

for (const [host, key, esm, cjs] of hosts) {
  test(`${host} (${key}): validate, generate, route from the tarball`, async () => {
    const version = must(await run(bin[key], ["--version"], { cwd }), "version").trim().split("\n")[0];
    const a = must(await run(bin[key], esm, { cwd, env, timeoutMs: 60_000 }), `${host} import`);
    assert.match(a, /^5 passed, 0 failed$/m, a);
    let what = "import: validate, price, one module, generate, route";
    if (cjs) {
      const b = must(await run(bin[key], cjs, { cwd, env, timeoutMs: 60_000 }), `${host} require`);
      assert.match(b, /^5 passed, 0 failed$/m, b);
      what += "; the same with require";
    }
    row(host, version.replace(/^v/, "").replace(/^deno ([\d.]+).*/, "$1"), what);
  });
}

for (const [host, key, args] of [
  ["Node", "node24", ["init.mjs"]],
  ["Node", "node24", ["init.cjs"]],
  ["Deno", "deno", ["run", "--allow-all", "init.mjs"]],
  ["Bun", "bun", ["init.mjs"]],
]) {
  test(`${host} (${key}): gpt-image-edge/init with the module's bytes (${args.at(-1)})`, async () => {
    const out = must(await run(bin[key], args, { cwd, timeoutMs: 60_000 }), `${host} init`);
    assert.match(out, /^1 passed, 0 failed$/m, out);
  });
}
