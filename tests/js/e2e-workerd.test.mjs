// Every scenario again, inside real workerd (Miniflare), against the sandbox.
import assert from "node:assert/strict";
import { test } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";
import { startWorker } from "./workerd.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const mf = await startWorker("worker-scenarios.mjs", { SANDBOX_URL: sandbox.url }, { r2Buckets: ["REFERENCES"] });
const names = await (await mf.dispatchFetch("http://worker/list")).json();

for (const name of names) {
  test(`workerd: ${name}`, async () => {
    const r = await mf.dispatchFetch(`http://worker/run?name=${encodeURIComponent(name)}`);
    const out = await r.json();
    assert.ok(out.ok, out.error);
    assert.equal(out.userAgent, "Cloudflare-Workers");
  });
}
