// Types for every resolver, and package.json as publint reads it, on the
// packed tarball (what npm publishes).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { HOSTS, REPO, must, row, run } from "./hosts.mjs";

const tgz = join(HOSTS, "gpt-image-edge.tgz");
const node = process.execPath;

test("attw: every entry resolves to the right types under node10, node16 (CJS and ESM) and bundler", async () => {
  const attw = join(REPO, "node_modules/@arethetypeswrong/cli/dist/index.js");
  const r = await run(node, [attw, tgz, "--format", "json"], { cwd: REPO });
  const report = JSON.parse(r.out.slice(r.out.indexOf("{")));
  const problems = report.analysis.problems ?? [];
  assert.deepEqual(problems, [], JSON.stringify(problems, null, 2));
  const entries = Object.keys(report.analysis.entrypoints);
  assert.deepEqual(entries.sort(), [".", "./ai", "./cloudflare", "./init", "./package.json", "./route", "./wasm"]);
  // Every entry's types resolve (a resolution that failed is not a problem to attw for node10 only).
  for (const [entry, e] of Object.entries(report.analysis.entrypoints)) {
    if (entry === "./package.json") continue;
    for (const kind of ["node10", "node16-cjs", "node16-esm", "bundler"]) {
      const res = e.resolutions[kind]?.resolution;
      assert.ok(res?.fileName && res.isTypeScript, `${entry} ${kind}: ${JSON.stringify(res)}`);
    }
  }
  assert.equal(r.code, 0, r.out);
  const table = must(await run(node, [attw, tgz, "--format", "table-flipped"], { cwd: REPO }), "attw table");
  console.log(table.split("\n").map((l) => `     ${l}`).join("\n"));
  row("attw", "0.18.5", `no problem: ${entries.filter((e) => e !== "./package.json").join(" ")} x node10, node16-cjs, node16-esm, bundler`);
});

test("publint reports nothing", async () => {
  const publint = join(REPO, "node_modules/publint/src/cli.js");
  const out = must(await run(node, [publint, "run", join(REPO, "pkg"), "--strict"], { cwd: REPO }), "publint");
  assert.match(out, /All good!/, out);
  row("publint", "0.3.25", "--strict: all good");
});
