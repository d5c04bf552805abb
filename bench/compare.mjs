// make bench: gpt-image-edge beside its peers, every figure measured in this
// run, printed as ONE table (Markdown) with the ratio ours ÷ peer. Progress
// goes to stderr. Any failed job or disagreement throws: the exit code is 1.
// Env: REPO, PEERS, SANDBOX_BIN (set by scripts/bench.sh); BENCH_JOBS
// (default 1000), BENCH_POLL_JOBS (60), BENCH_ROUNDS (5), BENCH_CALLS (20000).
import { cpus } from "node:os";
import { bundles } from "./bundle.mjs";
import { coldStart } from "./coldstart.mjs";
import { PEERS, installedVersion } from "./common.mjs";
import { nodeJobs } from "./jobs-node.mjs";
import { workerdJobs } from "./jobs-workerd.mjs";
import { polling } from "./polling.mjs";
import { WARM_UP_MS, validation } from "./validate.mjs";
import { validationInChromium } from "./validate-chromium.mjs";

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const JOBS = env("BENCH_JOBS", 1000);
const TIME_SCALE = 0.1;
const v = (name) => installedVersion(PEERS, name);
const ours = `gpt-image-edge ${installedVersion(process.cwd(), "gpt-image-edge")}`;
const started = new Date();

console.error(`== gpt-image-edge beside its peers (Node ${process.version}); progress:`);
let a, a2, b, c, d, e, f;
try {
  a = await validation({ rounds: env("BENCH_ROUNDS", 5), calls: env("BENCH_CALLS", 20_000) });
  a2 = await validationInChromium({ rounds: env("BENCH_ROUNDS", 5), calls: env("BENCH_CALLS", 20_000) });
  b = await coldStart();
  c = await bundles();
  e = await nodeJobs({ jobs: JOBS, timeScale: TIME_SCALE });
  f = await workerdJobs({ jobs: JOBS, timeScale: TIME_SCALE });
  d = await polling({ jobs: env("BENCH_POLL_JOBS", 60) });
} catch (err) {
  console.error(`\nBENCH FAILED: ${err.stack ?? err}`);
  process.exit(1);
}
const seconds = (Date.now() - started) / 1000;

const rows = [];
const ratio = (x, y) => `${(x / y).toFixed(2)}×`;
const row = (measure, mine, peer, theirs, r) => rows.push([measure, mine, peer, theirs, r]);
const us = (x) => `${x.toFixed(2)} µs`;
const ms = (x) => `${x.toFixed(1)} ms`;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const s = (x) => `${(x / 1000).toFixed(2)} s`;

const zod = `zod ${v("zod")}, \`z.strictObject\``;
for (const r of a) row(`(a) ${r.name.startsWith("estimateCost") ? "" : "validate "}${r.name}`, us(r.ours), zod, us(r.theirs), ratio(r.ours, r.theirs));
for (const r of a2.rows) row(`(a) Chromium ${a2.version}: validate ${r.name}`, us(r.ours), zod, us(r.theirs), ratio(r.ours, r.theirs));
row("(b) cold start: new Node process, import + first call", ms(b.ours), `openai ${v("openai")}, \`new OpenAI()\``, ms(b.openai), ratio(b.ours, b.openai));
const mine = c["gpt-image-edge"];
for (const [name, x] of Object.entries(c)) {
  if (name === "gpt-image-edge") continue;
  const [pkg, how] = name.split(" ");
  row("(c) Workers bundle, esbuild min + gzip", `${kib(mine.gz)} (JS + wasm)`, `${pkg} ${v(pkg)} ${how}`, kib(x.gz), ratio(mine.gz, x.gz));
}
for (const [provider, label] of [["apiframe", "Apiframe"], ["gptimage2ai", "GPTImage2.ai"]]) {
  const p = d[provider];
  row(`(d) ${label}: requests per job`, p.ours.requests.toFixed(2), "Apiframe SDK's schedule", p.sdk.requests.toFixed(2), ratio(p.ours.requests, p.sdk.requests));
  row(`(d) ${label}: finish → seen, mean`, s(p.ours.delayMs), "Apiframe SDK's schedule", s(p.sdk.delayMs), ratio(p.ours.delayMs, p.sdk.delayMs));
}
row(`(e) Node, ${JOBS} concurrent jobs: CPU per job`, ms(e.ours.cpuUsPerJob / 1000), "bare `fetch` loop", ms(e.fetch.cpuUsPerJob / 1000), ratio(e.ours.cpuUsPerJob, e.fetch.cpuUsPerJob));
row(`(e) Node, ${JOBS} concurrent jobs: peak RSS per job`, `${e.ours.peakKiBPerJob.toFixed(1)} KiB`, "bare `fetch` loop", `${e.fetch.peakKiBPerJob.toFixed(1)} KiB`, ratio(e.ours.peakKiBPerJob, e.fetch.peakKiBPerJob));
const mb = (x) => `${x.toFixed(1)} MB`;
const inWorkerd = `(f) one workerd isolate, ${JOBS} concurrent jobs:`;
row(`${inWorkerd} isolate memory peak (V8 heap, sampled, + wasm memory)`, mb(f.ours.isolateMB), "Workers' limit per isolate", "128 MB", ratio(f.ours.isolateMB, 128));
row(`${inWorkerd} workerd process peak RSS (VmHWM: runtime, connections and isolate)`, mb(f.ours.peakMB), "Workers' limit per isolate", "128 MB", ratio(f.ours.peakMB, 128));
row(`${inWorkerd} isolate memory peak`, mb(f.ours.isolateMB), "bare `fetch` loop in workerd", mb(f.fetch.isolateMB), ratio(f.ours.isolateMB, f.fetch.isolateMB));
row(`${inWorkerd} workerd process peak RSS`, mb(f.ours.peakMB), "bare `fetch` loop in workerd", mb(f.fetch.peakMB), ratio(f.ours.peakMB, f.fetch.peakMB));
row(`${inWorkerd} workerd CPU per job`, ms(f.ours.cpuUsPerJob / 1000), "bare `fetch` loop in workerd", ms(f.fetch.cpuUsPerJob / 1000), ratio(f.ours.cpuUsPerJob, f.fetch.cpuUsPerJob));

const cpu = cpus();
console.log(`${started.toISOString().slice(0, 10)}, Node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim()}), ${ours} (packed pkg/); ${seconds.toFixed(0)} s.`);
console.log("Ratio: ours ÷ peer; below 1× we take less (time, bytes, requests, memory).\n");
console.log("| measure | gpt-image-edge | peer | peer's figure | ours ÷ peer |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log(`
- (a) medians of ${env("BENCH_ROUNDS", 5)} alternating rounds of ${env("BENCH_CALLS", 20_000)} calls, after ${WARM_UP_MS} ms of warm-up for each request (both sides, alternating); both sides agree on every request (valid or not, and the 5 problems). Chromium: the same, in one headless page loading the package's browser build and zod's ES modules.
- (b) median wall time of 11 runs each, spawn to exit; an empty Node process takes ${ms(b.empty)}.
- (c) bytes: ${Object.entries(c).map(([n, x]) => `${n.split(" ")[0]} ${x.min} min, ${x.gz} gzipped`).join("; ")}.
- (d) ${env("BENCH_POLL_JOBS", 60)} concurrent jobs per run at real timing, a fresh ImageClient; after it has learned the durations: Apiframe ${d.apiframe.learned.requests.toFixed(2)} requests and ${s(d.apiframe.learned.delayMs)}, GPTImage2.ai ${d.gptimage2ai.learned.requests.toFixed(2)} and ${s(d.gptimage2ai.learned.delayMs)}.
- (e) all ${JOBS} jobs succeeded in each of ${e.runs} runs per side (fresh process and sandbox, time scale ${TIME_SCALE}); medians. Requests per job ${e.ours.requestsPerJob.toFixed(2)} ours, ${e.fetch.requestsPerJob.toFixed(2)} bare (CPU per request ${ms(e.ours.cpuUsPerJob / e.ours.requestsPerJob / 1000)} and ${ms(e.fetch.cpuUsPerJob / e.fetch.requestsPerJob / 1000)}); RSS before the batch ${e.ours.rssBeforeMiB.toFixed(1)} and ${e.fetch.rssBeforeMiB.toFixed(1)} MiB; batch ${e.ours.wallS.toFixed(1)} and ${e.fetch.wallS.toFixed(1)} s.
- (f) all ${JOBS} jobs succeeded on each side (time scale ${TIME_SCALE}). MB are 10^6 bytes. Isolate memory: the peak of V8's used heap and array buffers (workerd's inspector, ${f.ours.heapSamples} samples; ${mb(f.ours.heapPeakMB)} ours, ${mb(f.fetch.heapPeakMB)} bare; ${mb(f.ours.heapBeforeMB)} and ${mb(f.fetch.heapBeforeMB)} before the batch) plus the WebAssembly memory at the end (${mb(f.ours.wasmMB)} ours). Process RSS before the batch ${mb(f.ours.rssBeforeMB)} ours, ${mb(f.fetch.rssBeforeMB)} bare. Requests per job ${f.ours.requestsPerJob.toFixed(2)} and ${f.fetch.requestsPerJob.toFixed(2)}; batch ${f.ours.wallS.toFixed(1)} and ${f.fetch.wallS.toFixed(1)} s.`);
