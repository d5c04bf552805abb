// One Node process that runs N concurrent Apiframe jobs against the sandbox,
// with ImageClient ("ours") or with bare fetch calls ("fetch") doing the same
// submit + poll loop, and prints what they cost: CPU (process.cpuUsage) and
// the peak RSS above the RSS before the batch (VmHWM, reset before the batch).
// Usage: node --expose-gc jobs-node-child.mjs ours|fetch URL N TYPICAL_MS
import { readFileSync, writeFileSync } from "node:fs";
import { ImageClient } from "gpt-image-edge";
import { SANDBOX_KEYS } from "./sandbox-keys.mjs";

const [mode, url, n, typicalMs] = process.argv.slice(2);
const N = Number(n);
const TYPICAL_MS = Number(typicalMs);
const KEY = SANDBOX_KEYS.apiframe;
const REQUEST = { prompt: "a lighthouse at dusk", quality: "medium" };
/** The bare loop polls at the typical duration, then at ImageClient's fastest rate. */
const POLL_MS = 400;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"))[1]);

async function bare() {
  const submitted = await fetch(`${url}/v2/images/generate`, {
    method: "POST",
    headers: { "X-API-Key": KEY, "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": crypto.randomUUID() },
    body: JSON.stringify({ model: "gpt-image-2", prompt: REQUEST.prompt, gptImage2Params: { quality: REQUEST.quality } }),
  });
  if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}`);
  const { jobId } = await submitted.json();
  await sleep(TYPICAL_MS);
  for (;;) {
    const answer = await fetch(`${url}/v2/jobs/${jobId}`, { headers: { "X-API-Key": KEY, Accept: "application/json" } });
    if (answer.status !== 200) throw new Error(`poll answered ${answer.status}`);
    const job = await answer.json();
    if (job.status === "COMPLETED") return { status: "succeeded", images: [job.result].flat().length };
    if (job.status === "FAILED") return { status: "failed" };
    await sleep(POLL_MS);
  }
}

const client = new ImageClient({ provider: "apiframe", apiKey: KEY, baseUrl: url, typicalDurationMs: TYPICAL_MS });
const one = mode === "ours" ? () => client.generate(REQUEST) : bare;

// Warm up (JIT, connections, the learned duration), then measure the batch.
await Promise.all(Array.from({ length: 20 }, one));
globalThis.gc();
writeFileSync("/proc/self/clear_refs", "5");
const rssBefore = kib("VmRSS");
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const settled = await Promise.allSettled(Array.from({ length: N }, one));
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const peak = kib("VmHWM");
const failures = settled.filter((s) => s.status === "rejected" || s.value.status !== "succeeded");
console.log(
  JSON.stringify({
    jobs: N,
    succeeded: N - failures.length,
    firstFailure: failures.length ? String(failures[0].reason ?? JSON.stringify(failures[0].value)) : null,
    cpuUs: cpu.user + cpu.system,
    rssBeforeKiB: rssBefore,
    peakKiB: peak,
    wallMs,
  }),
);
