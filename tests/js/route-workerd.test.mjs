// The route handler inside real workerd (Miniflare), against the sandbox.
import assert from "node:assert/strict";
import { test } from "./harness.mjs";
import { startHostile } from "./hostile.mjs";
import { startSandbox } from "./sandbox.mjs";
import { startWorker } from "./workerd.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const hostile = await startHostile();
// Jobs that run for seconds, for the caller who hangs up (below).
const slowSandbox = await startSandbox(["--time-scale", "0.1"]);
const mf = await startWorker("worker-route.mjs", { SANDBOX_URL: sandbox.url, HOSTILE_URL: hostile, SLOW_SANDBOX_URL: slowSandbox.url });
const names = await (await mf.dispatchFetch("http://worker/list")).json();
for (const name of names) {
  test(`workerd route: ${name}`, async () => {
    const out = await (await mf.dispatchFetch(`http://worker/run?name=${encodeURIComponent(name)}`)).json();
    assert.ok(out.ok, out.error);
  });
}

test("workerd over HTTP: a client that hangs up mid-stream stops the route's polling; the job goes on", async () => {
  const base = String(await mf.ready);
  const jobs = async () => (await (await fetch(`${slowSandbox.url}/sandbox/stats`)).json()).jobs;
  const before = await jobs();
  const hangUp = new AbortController();
  const res = await fetch(`${base}api/images/generate`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ prompt: "a caller who leaves" }),
    signal: hangUp.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/event: accepted\ndata: (.*)\n\n/.test(text)) {
    const { done, value } = await reader.read();
    assert.ok(!done, `the stream ended before accepted: ${text}`);
    text += value;
  }
  const { token } = JSON.parse(/event: accepted\ndata: (.*)\n\n/.exec(text)[1]);
  hangUp.abort();
  await reader.cancel().catch(() => {});
  const id = Object.keys(await jobs()).find((k) => !(k in before));
  assert.ok(id, "the job was created");
  await new Promise((ok) => setTimeout(ok, 300)); // a poll already in flight may land
  const polls = (await jobs())[id].polls;
  // Watch until well after the job ends: a route still polling polls then
  // (it predicts the end from progress), and would see the job finish.
  let watched;
  for (let i = 0; i < 200; i++) {
    watched = (await jobs())[id];
    if (watched.finishedAtMs !== null) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.notEqual(watched.finishedAtMs, null, "the job finished at the provider");
  await new Promise((ok) => setTimeout(ok, 1500));
  watched = (await jobs())[id];
  assert.equal(watched.polls, polls, "the route kept polling after the caller hung up");
  assert.equal(watched.firstTerminalPollAtMs, null, "the route saw the job finish after its caller hung up");
  // The job went on; the token from `accepted` finds it.
  let job;
  for (let i = 0; i < 150; i++) {
    job = await (await fetch(`${base}api/images/jobs/${token}`)).json();
    if (job.status === "succeeded") break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.equal(job.status, "succeeded", JSON.stringify(job));
});
