// The route under attack (issue 19's findings), inside real workerd (Miniflare).
import assert from "node:assert/strict";
import { test } from "./harness.mjs";
import { startHostile } from "./hostile.mjs";
import { startSandbox } from "./sandbox.mjs";
import { startWorker } from "./workerd.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const hostile = await startHostile();
const mf = await startWorker("worker-threats.mjs", { SANDBOX_URL: sandbox.url, HOSTILE_URL: hostile });
const names = await (await mf.dispatchFetch("http://worker/list")).json();
for (const name of names) {
  test(`workerd threats: ${name}`, async () => {
    const out = await (await mf.dispatchFetch(`http://worker/run?name=${encodeURIComponent(name)}`)).json();
    assert.ok(out.ok, out.error);
  });
}
