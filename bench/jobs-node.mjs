// (e) N concurrent Apiframe jobs from one Node process against the sandbox
// (scaled time), with ImageClient and with bare fetch: each run is a fresh
// Node process and a fresh sandbox; runs alternate; medians. Every job must
// succeed, and the sandbox must have seen exactly the warm-up and the batch.
import { spawn } from "node:child_process";
import { median, progress, startSandbox } from "./common.mjs";

function child(mode, url, jobs, typicalMs) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", "jobs-node-child.mjs", mode, url, String(jobs), String(typicalMs)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.once("error", reject);
    p.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`jobs-node-child.mjs ${mode} exited ${code}`))));
  });
}

async function once(mode, jobs, timeScale) {
  const sb = await startSandbox(["--time-scale", String(timeScale), "--seed", "7"]);
  try {
    const r = await child(mode, sb.url, jobs, 15_000 * timeScale);
    if (r.succeeded !== jobs) throw new Error(`${mode}: ${jobs - r.succeeded} of ${jobs} jobs failed in Node (first: ${r.firstFailure})`);
    const stats = Object.values((await sb.stats()).jobs);
    if (stats.length !== jobs + 20) throw new Error(`${mode}: the sandbox saw ${stats.length} jobs, not ${jobs} + 20 warm-up`);
    const requests = stats.reduce((sum, s) => sum + s.polls + 1, 0);
    return { ...r, requestsPerJob: requests / stats.length };
  } finally {
    await sb.stop();
  }
}

export async function nodeJobs({ jobs = 1000, runs = 3, timeScale = 0.1 } = {}) {
  const all = { ours: [], fetch: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of i % 2 ? ["fetch", "ours"] : ["ours", "fetch"]) {
      const r = await once(mode, jobs, timeScale);
      progress(`${jobs} jobs in Node, ${mode}: ${(r.cpuUs / 1000).toFixed(0)} ms CPU, peak +${((r.peakKiB - r.rssBeforeKiB) / 1024).toFixed(1)} MiB, ${r.requestsPerJob.toFixed(2)} requests per job, ${(r.wallMs / 1000).toFixed(1)} s`);
      all[mode].push(r);
    }
  }
  const summary = (rs) => ({
    cpuUsPerJob: median(rs.map((r) => r.cpuUs / jobs)),
    peakKiBPerJob: median(rs.map((r) => (r.peakKiB - r.rssBeforeKiB) / jobs)),
    rssBeforeMiB: median(rs.map((r) => r.rssBeforeKiB / 1024)),
    requestsPerJob: median(rs.map((r) => r.requestsPerJob)),
    wallS: median(rs.map((r) => r.wallMs / 1000)),
  });
  return { jobs, runs, timeScale, ours: summary(all.ours), fetch: summary(all.fetch) };
}
