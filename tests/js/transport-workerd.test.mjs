// The open design inside real workerd (Miniflare): transport-scenarios.mjs.
import assert from "node:assert/strict";
import { test } from "./harness.mjs";
import { startGateway } from "./gateway.mjs";
import { startSandbox } from "./sandbox.mjs";
import { startWorker } from "./workerd.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const gateway = await startGateway(sandbox.url);
const mf = await startWorker("worker-transport.mjs", { SANDBOX_URL: sandbox.url, GATEWAY_URL: gateway });
const names = await (await mf.dispatchFetch("http://worker/list")).json();
for (const name of names) {
  test(`workerd transport: ${name}`, async () => {
    const out = await (await mf.dispatchFetch(`http://worker/run?name=${encodeURIComponent(name)}`)).json();
    assert.ok(out.ok, out.error);
  });
}
