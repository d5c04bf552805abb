// (d) Polling: requests per job, and the delay between a job finishing and
// the client seeing it, for ImageClient and for Apiframe's SDK schedule
// (polls at 0, 2, 5, 9.5, 14.5 s ...), against the sandbox at real timing.
// Each strategy gets its own sandbox with the same seed: the same job durations.
// The figures come from the sandbox's own counts (/sandbox/stats).
import { ImageClient, buildPollRequest, buildSubmitRequest, parseJob } from "gpt-image-edge";
import { mean, progress, startSandbox } from "./common.mjs";
import { SANDBOX_KEYS } from "./sandbox-keys.mjs";

const KEYS = SANDBOX_KEYS;
const REQUEST = { apiframe: { prompt: "bench", quality: "high" }, gptimage2ai: { prompt: "bench" } };

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

async function run(provider, strategy, jobs) {
  const sb = await startSandbox(["--seed", "42"]);
  try {
    const client = new ImageClient({ provider, apiKey: KEYS[provider], baseUrl: sb.url });
    const batch = async () => {
      await sb.reset();
      const done = await Promise.all(
        Array.from({ length: jobs }, () => (strategy === "sdk" ? sdkSchedule(provider, sb.url, REQUEST[provider]) : client.generate(REQUEST[provider]))),
      );
      const failed = done.filter((j) => j.status !== "succeeded").length;
      if (failed) throw new Error(`polling, ${provider} / ${strategy}: ${failed} of ${jobs} jobs did not succeed`);
      const stats = Object.values((await sb.stats()).jobs);
      if (stats.length !== jobs) throw new Error(`polling, ${provider} / ${strategy}: the sandbox saw ${stats.length} jobs, not ${jobs}`);
      return { requests: mean(stats.map((s) => s.polls + 1)), delayMs: mean(stats.map((s) => s.detectionDelayMs)) };
    };
    const first = await batch();
    // A second batch: ImageClient has now learned how long these jobs take.
    const learned = strategy === "sdk" ? null : await batch();
    return { first, learned };
  } finally {
    await sb.stop();
  }
}

/** For Apiframe and GPTImage2.ai: ImageClient (a fresh client, then after learning) and the SDK schedule. */
export async function polling({ jobs = 60 } = {}) {
  progress(`polling: ${jobs} concurrent jobs per run at real timing (about a minute)`);
  const [af, afSdk, g2, g2Sdk] = await Promise.all([
    run("apiframe", "edge", jobs),
    run("apiframe", "sdk", jobs),
    run("gptimage2ai", "edge", jobs),
    run("gptimage2ai", "sdk", jobs),
  ]);
  return {
    apiframe: { ours: af.first, learned: af.learned, sdk: afSdk.first },
    gptimage2ai: { ours: g2.first, learned: g2.learned, sdk: g2Sdk.first },
  };
}
