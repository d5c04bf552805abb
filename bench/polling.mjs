// Polling benchmark: requests per job, and the delay between a job finishing
// and the client seeing it, for ImageClient and for Apiframe's SDK schedule
// (polls at 0, 2, 5, 9.5, 14.5 s ...), against the sandbox at real timing.
// Each strategy gets its own sandbox with the same seed: the same job durations.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { ImageClient, buildPollRequest, buildSubmitRequest, parseJob } from "gpt-image-edge";

const JOBS = Number(process.env.BENCH_JOBS ?? 60);
const KEYS = { apiframe: "afk_sandbox", gptimage2ai: "g2_sandbox" };
const REQUEST = { apiframe: { prompt: "bench", quality: "high" }, gptimage2ai: { prompt: "bench" } };

async function sandbox() {
  const child = spawn(process.env.SANDBOX_BIN, ["--addr", "127.0.0.1:0", "--seed", "42", "--exit-on-stdin-eof"], { stdio: ["pipe", "pipe", "inherit"] });
  const url = await new Promise((ok) => createInterface({ input: child.stdout }).once("line", (l) => ok(l.replace("listening on ", ""))));
  const stats = async () => (await fetch(`${url}/sandbox/stats`)).json();
  const stop = () => { child.stdin.end(); process.kill(child.pid, "SIGTERM"); };
  return { url, stats, stop };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function sdkSchedule(provider, url, request) {
  const opts = { apiKey: KEYS[provider], baseUrl: url };
  const submit = buildSubmitRequest(provider, request, opts);
  const answer = await fetch(submit.url, { method: "POST", headers: submit.headers, body: submit.body });
  const { id } = parseJob(provider, answer.status, await answer.text());
  const poll = buildPollRequest(provider, id, opts);
  let wait = 0;
  let step = 2000;
  for (;;) {
    await sleep(wait);
    const r = await fetch(poll.url, { headers: poll.headers });
    const job = parseJob(provider, r.status, await r.text());
    if (job.status !== "queued" && job.status !== "running") return job;
    wait = step;
    step = Math.min(step * 1.5, 5000);
  }
}

function summary(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, p50: at(0.5), p95: at(0.95), max: v[v.length - 1] };
}

async function run(label, provider, strategy) {
  const sb = await sandbox();
  const client = new ImageClient({ provider, apiKey: KEYS[provider], baseUrl: sb.url });
  const t0 = Date.now();
  const batch = async () => {
    await fetch(`${sb.url}/sandbox/reset`, { method: "POST" });
    const jobs = await Promise.all(
      Array.from({ length: JOBS }, () => (strategy === "sdk" ? sdkSchedule(provider, sb.url, REQUEST[provider]) : client.generate(REQUEST[provider]))),
    );
    if (jobs.some((j) => j.status !== "succeeded")) throw new Error("a job did not succeed");
    const stats = Object.values((await sb.stats()).jobs);
    return { polls: summary(stats.map((s) => s.polls + 1)), delay: summary(stats.map((s) => s.detectionDelayMs)) };
  };
  const first = await batch();
  // A second batch: ImageClient has now learned how long these jobs take.
  const second = strategy === "sdk" ? null : await batch();
  sb.stop();
  return { label, provider, first, second, seconds: (Date.now() - t0) / 1000 };
}

const fmt = (s) => `mean ${s.mean.toFixed(2)}, p50 ${s.p50}, p95 ${s.p95}`;
const fmtMs = (s) => `mean ${(s.mean / 1000).toFixed(2)} s, p50 ${(s.p50 / 1000).toFixed(2)} s, p95 ${(s.p95 / 1000).toFixed(2)} s`;
const results = await Promise.all([
  run("ImageClient", "apiframe", "edge"),
  run("Apiframe SDK schedule", "apiframe", "sdk"),
  run("ImageClient", "gptimage2ai", "edge"),
  run("Apiframe SDK schedule", "gptimage2ai", "sdk"),
]);
console.log(`${JOBS} concurrent jobs per run, sandbox at real timing (durations lognormal around ~15 s, seed 42)`);
for (const r of results) {
  console.log(`\n${r.provider} / ${r.label}`);
  console.log(`  requests per job (submit + polls): ${fmt(r.first.polls)}`);
  console.log(`  finish -> seen:                    ${fmtMs(r.first.delay)}`);
  if (r.second) {
    console.log(`  after learning, requests per job:  ${fmt(r.second.polls)}`);
    console.log(`  after learning, finish -> seen:    ${fmtMs(r.second.delay)}`);
  }
}
