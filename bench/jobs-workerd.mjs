// (f) N concurrent Apiframe jobs inside ONE workerd isolate (Miniflare): a
// Worker whose every request generates one image with a module-level
// ImageClient against the sandbox (scaled time), sent N requests at once; and
// for scale, a Worker doing the same with bare fetch calls, in its own
// workerd. Every job must succeed. Memory, two ways:
// - the workerd process's peak RSS (VmHWM over its whole life): the runtime,
//   its sockets and buffers for 2N connections, and the isolate together, so
//   an upper bound of what Workers' 128 MB per isolate counts;
// - the isolate's own memory: its heap through workerd's inspector
//   (Runtime.getHeapUsage: V8's used heap plus array buffers' backing
//   stores), sampled every 20 ms, so a peak may fall between two samples;
//   plus the WebAssembly memories the isolate instantiated (the inspector
//   does not count them), read after the batch: they only grow, so the sum
//   bounds the sampled peak from above.
// CPU is the time all workerd's threads spent on a CPU across the batch,
// which includes receiving the N requests from Miniflare.
import { SANDBOX_KEYS } from "./sandbox-keys.mjs";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { childWorkerd, peer, progress, repoTool, startSandbox, statusKiB, threadsCpuUs } from "./common.mjs";

/** Imported first by each Worker: records the WebAssembly memories instantiated in the isolate. */
const WASM_SPY = `const memories = [];
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(target, args, newTarget) {
    const instance = Reflect.construct(target, args, newTarget);
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
    return instance;
  },
});
export const wasmMemoryBytes = () => memories.reduce((sum, m) => sum + m.buffer.byteLength, 0);
`;
const MEMORY_ROUTE = `    if (new URL(request.url).pathname === "/wasm-memory") return Response.json({ bytes: wasmMemoryBytes() });
`;

const RESPOND = `    } catch (e) {
      return Response.json({ status: "error", error: String(e && (e.code || e.message) || e) }, { status: 500 });
    }
  },
};
`;

/** The Worker of each side: ImageClient, or bare fetch doing the same submit + poll loop (as in jobs-node-child.mjs). */
const WORKERS = {
  ours: `import { wasmMemoryBytes } from "./wasm-spy.mjs";
import { ImageClient } from "gpt-image-edge";
let client;
export default {
  async fetch(request, env) {
${MEMORY_ROUTE}    client ??= new ImageClient({ provider: "apiframe", apiKey: ${JSON.stringify(SANDBOX_KEYS.apiframe)}, baseUrl: env.BASE_URL, typicalDurationMs: Number(env.TYPICAL_MS) });
    try {
      const job = await client.generate({ prompt: "a lighthouse at dusk", quality: "medium" });
      return Response.json({ status: job.status, images: job.images.length });
${RESPOND}`,
  fetch: `import { wasmMemoryBytes } from "./wasm-spy.mjs";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export default {
  async fetch(request, env) {
${MEMORY_ROUTE}    try {
      const submitted = await fetch(env.BASE_URL + "/v2/images/generate", {
        method: "POST",
        headers: { "X-API-Key": ${JSON.stringify(SANDBOX_KEYS.apiframe)}, "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": crypto.randomUUID() },
        body: JSON.stringify({ model: "gpt-image-2", prompt: "a lighthouse at dusk", gptImage2Params: { quality: "medium" } }),
      });
      if (submitted.status !== 202) throw new Error("submit answered " + submitted.status);
      const { jobId } = await submitted.json();
      await sleep(Number(env.TYPICAL_MS));
      for (;;) {
        const answer = await fetch(env.BASE_URL + "/v2/jobs/" + jobId, { headers: { "X-API-Key": ${JSON.stringify(SANDBOX_KEYS.apiframe)}, Accept: "application/json" } });
        if (answer.status !== 200) throw new Error("poll answered " + answer.status);
        const job = await answer.json();
        if (job.status === "COMPLETED") return Response.json({ status: "succeeded", images: [job.result].flat().length });
        if (job.status === "FAILED") return Response.json({ status: "failed" });
        await sleep(400);
      }
${RESPOND}`,
};

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Samples the user Worker's isolate heap through workerd's inspector until `stop()`. */
async function heapSampler(port, WebSocket) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.id === "core:user:");
  if (!target) throw new Error(`no user Worker among the inspector's targets: ${targets.map((t) => t.id).join(", ")}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let id = 0;
  const pending = new Map();
  ws.on("message", (m) => {
    const msg = JSON.parse(m);
    pending.get(msg.id)?.(msg.result);
    pending.delete(msg.id);
  });
  const usage = () =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method: "Runtime.getHeapUsage" }));
    });
  const bytes = (u) => u.usedSize + (u.embedderHeapUsedSize ?? 0) + (u.backingStorageSize ?? 0);
  const before = bytes(await usage());
  let peak = before;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, bytes(await usage()));
      samples++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    before,
    async stop() {
      running = false;
      await loop;
      ws.close();
      return { peak, samples };
    },
  };
}

async function once(mode, jobs, timeScale, esbuild, Miniflare, WebSocket) {
  writeFileSync("wasm-spy.mjs", WASM_SPY);
  writeFileSync(`jobs-worker-${mode}.mjs`, WORKERS[mode]);
  await esbuild.build({ entryPoints: [`jobs-worker-${mode}.mjs`], bundle: true, format: "esm", platform: "neutral", conditions: ["workerd", "worker"], mainFields: ["module", "main"], loader: { ".wasm": "copy" }, outdir: `jobs-worker-${mode}`, logLevel: "warning" });
  const sb = await startSandbox(["--time-scale", String(timeScale), "--seed", "7"]);
  const inspectorPort = await freePort();
  let mf;
  try {
    mf = new Miniflare({
      modules: true,
      scriptPath: `jobs-worker-${mode}/jobs-worker-${mode}.js`,
      modulesRoot: `jobs-worker-${mode}`,
      modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: "2025-09-01",
      bindings: { BASE_URL: sb.url, TYPICAL_MS: String(15_000 * timeScale) },
      inspectorPort,
    });
    await mf.ready;
    const workerd = childWorkerd();
    const send = async () => {
      const r = await mf.dispatchFetch("https://bench.example.com/generate", { method: "POST" });
      const body = await r.json();
      return r.status === 200 && body.status === "succeeded" ? null : JSON.stringify(body);
    };
    const failures = async (n) => (await Promise.all(Array.from({ length: n }, send))).filter(Boolean);
    const warm = await failures(20);
    if (warm.length) throw new Error(`workerd, ${mode}: ${warm.length} of 20 warm-up jobs failed (first: ${warm[0]})`);
    const heap = await heapSampler(inspectorPort, WebSocket);
    const rssBefore = statusKiB(workerd, "VmRSS") * 1024;
    const cpu0 = threadsCpuUs(workerd);
    const t0 = performance.now();
    const failed = await failures(jobs);
    const wallS = (performance.now() - t0) / 1000;
    const cpuUs = threadsCpuUs(workerd) - cpu0;
    const peak = statusKiB(workerd, "VmHWM") * 1024;
    const heapPeak = await heap.stop();
    const wasm = (await (await mf.dispatchFetch("https://bench.example.com/wasm-memory")).json()).bytes;
    if (mode === "ours" && !(wasm > 0)) throw new Error("workerd, ours: no WebAssembly memory was seen in the isolate");
    if (failed.length) throw new Error(`workerd, ${mode}: ${failed.length} of ${jobs} jobs failed (first: ${failed[0]})`);
    const stats = Object.values((await sb.stats()).jobs);
    if (stats.length !== jobs + 20) throw new Error(`workerd, ${mode}: the sandbox saw ${stats.length} jobs, not ${jobs} + 20 warm-up`);
    const requestsPerJob = stats.reduce((sum, s) => sum + s.polls + 1, 0) / stats.length;
    const mb = (b) => (b / 1e6).toFixed(1);
    progress(
      `${jobs} jobs in one workerd isolate, ${mode}: ${(cpuUs / 1000).toFixed(0)} ms CPU; process RSS ${mb(rssBefore)} MB before, peak ${mb(peak)} MB; ` +
        `isolate heap ${mb(heap.before)} MB before, peak ${mb(heapPeak.peak)} MB (${heapPeak.samples} samples), wasm memory ${mb(wasm)} MB; ${requestsPerJob.toFixed(2)} requests per job, ${wallS.toFixed(1)} s`,
    );
    return { cpuUsPerJob: cpuUs / jobs, rssBeforeMB: rssBefore / 1e6, peakMB: peak / 1e6, heapBeforeMB: heap.before / 1e6, heapPeakMB: heapPeak.peak / 1e6, wasmMB: wasm / 1e6, isolateMB: (heapPeak.peak + wasm) / 1e6, heapSamples: heapPeak.samples, requestsPerJob, wallS };
  } finally {
    await mf?.dispose();
    await sb.stop();
  }
}

/** ImageClient, then bare fetch, each in a fresh workerd process. */
export async function workerdJobs({ jobs = 1000, timeScale = 0.1 } = {}) {
  const esbuild = await peer("esbuild");
  const { Miniflare } = await repoTool("miniflare");
  const { default: WebSocket } = await repoTool("ws", "miniflare");
  const ours = await once("ours", jobs, timeScale, esbuild, Miniflare, WebSocket);
  const bare = await once("fetch", jobs, timeScale, esbuild, Miniflare, WebSocket);
  return { jobs, timeScale, ours, fetch: bare };
}
