// Durable jobs (examples/worker-jobs from the packed tarball) in `wrangler dev
// --persist-to`, against the sandbox on loopback: a Workflow instance per job,
// the ImageLedger Durable Object per user, images in R2. The runtime is killed
// (SIGKILL, the whole process group) with a job in flight and started again on
// the same state.
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { cpSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SANDBOX_KEYS } from "../../sandbox/keys.mjs";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { sandboxControl } from "../js/sandbox-control.mjs";
import { HOSTS, REPO, bin, freePort, row, startServer } from "./hosts.mjs";

// OpenAI at low quality takes ~4 s here, medium ~8 s: long enough to kill the runtime mid-job.
const sandbox = await startSandbox(["--time-scale", "0.4"]);
const control = sandboxControl(sandbox.url);
const version = JSON.parse(readFileSync(join(HOSTS, "node_modules/wrangler/package.json"), "utf8")).version;
const app = join(HOSTS, "worker-jobs");
const state = join(app, ".state");
const secret = randomBytes(24).toString("hex");
const STALL_MS = 4000;

rmSync(app, { recursive: true, force: true });
cpSync(join(REPO, "examples/worker-jobs"), app, { recursive: true });
writeFileSync(
  join(app, ".dev.vars"),
  [
    `OPENAI_API_KEY=${SANDBOX_KEYS.openai}`,
    `APIFRAME_API_KEY=${SANDBOX_KEYS.apiframe}`,
    `ROUTE_SECRET=${secret}`,
    `PROVIDER_BASE_URL=${sandbox.url}`,
    "DAILY_USD_PER_USER=0.2",
    `JOBS_STALL_MS=${STALL_MS}`,
  ].join("\n") + "\n",
);

/** The example's bearer token for `user` (examples/worker-jobs/src/users.js). */
const bearer = (user) => `Bearer ${user}.${createHmac("sha256", secret).update(user).digest("hex")}`;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

let server;
let origin;
async function start() {
  const port = await freePort();
  const inspector = await freePort();
  server = await startServer(
    bin.node24,
    [bin.wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", state, "--show-interactive-dev-session=false"],
    { cwd: app, url: `http://127.0.0.1:${port}/`, timeoutMs: 120_000 },
  );
  origin = `http://127.0.0.1:${port}`;
}

function generate(user, body, headers = {}, signal = undefined, provider = "openai") {
  return fetch(`${origin}/api/${provider}/generate`, {
    method: "POST",
    signal,
    headers: { "content-type": "application/json", authorization: bearer(user), ...headers },
    body: JSON.stringify(body),
  });
}

const getJob = async (user, token, provider = "openai") => {
  const r = await fetch(`${origin}/api/${provider}/jobs/${token}`, { headers: { authorization: bearer(user) } });
  return { status: r.status, body: await r.json() };
};

/** Poll the job until `done(job)` (or fail after `ms`). */
async function jobUntil(user, token, done, ms = 60_000, provider = "openai") {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await getJob(user, token, provider);
    if (last.status === 200 && done(last.body)) return last.body;
    await sleep(250);
  }
  throw new Error(`the job did not get there in ${ms} ms: ${JSON.stringify(last)}`);
}

const created = async (provider = "openai") => (await control.ledger(SANDBOX_KEYS[provider])).jobsCreated;
const PROMPT = "A lighthouse at dusk";

await start();
const finishedEarlier = [];

test(`wrangler ${version}: a job whose caller leaves at its 202 finishes, created once at the sandbox, its image served from R2 to its owner only`, async () => {
  const before = await created();
  const controller = new AbortController();
  const started = Date.now();
  const r = await generate("alice", { prompt: PROMPT, quality: "low" }, {}, controller.signal);
  const answeredMs = Date.now() - started;
  assert.equal(r.status, 202, await r.clone().text());
  const { token, estimate } = await r.json();
  controller.abort(); // the caller is gone
  assert.ok(token && estimate && estimate.usd > 0, JSON.stringify({ token, estimate }));
  const job = await jobUntil("alice", token, (j) => j.status === "succeeded");
  const tookMs = Date.now() - started;
  // 202 at once: before the generation (seconds here) has ended.
  assert.ok(answeredMs < tookMs / 2, JSON.stringify({ answeredMs, tookMs }));
  console.log(`     202 after ${answeredMs} ms; the job succeeded after ${tookMs} ms`);
  assert.equal(await created(), before + 1, "created exactly once at the sandbox");
  assert.equal(job.steps, 2, "a synchronous job: send (the images into R2 in it), settle");
  assert.equal(job.images.length, 1);
  assert.match(job.images[0].url, /^\/api\/openai\/images\/[A-Za-z0-9_-]+\/0$/);
  assert.ok(job.cost && job.cost.usd > 0 && job.cost.usd <= estimate.usd, JSON.stringify(job));
  const image = await fetch(new URL(job.images[0].url, origin), { headers: { authorization: bearer("alice") } });
  assert.equal(image.status, 200);
  assert.equal(image.headers.get("content-type"), "image/png");
  const bytes = new Uint8Array(await image.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47], "PNG bytes");
  assert.equal(bytes.length, job.images[0].bytes);
  // Another principal: neither the job nor its image.
  const other = await fetch(new URL(job.images[0].url, origin), { headers: { authorization: bearer("mallory") } });
  assert.equal(other.status, 404);
  assert.equal((await getJob("mallory", token)).status, 404);
  const anonymous = await fetch(new URL(job.images[0].url, origin));
  assert.equal(anonymous.status, 401);
  finishedEarlier.push({ token, url: job.images[0].url, bytes: bytes.length });
});

test(`wrangler ${version}: the event stream follows a durable job to completed`, async () => {
  const r = await generate("alice", { prompt: PROMPT, quality: "low" }, { accept: "text/event-stream" });
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /text\/event-stream/);
  const text = await r.text();
  const names = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
  assert.equal(names[0], "accepted", text);
  assert.equal(names.at(-1), "completed", text);
  const completed = JSON.parse(/event: completed\ndata: (.+)/.exec(text)[1]);
  assert.equal(completed.status, "succeeded");
  assert.match(completed.images[0].url, /\/api\/openai\/images\//);
});

test(`wrangler ${version}: a duplicate Idempotency-Key makes one job; the same key with another body is 422`, async () => {
  const before = await created();
  const key = `dup-${randomBytes(6).toString("hex")}`;
  const body = { prompt: PROMPT, quality: "low" };
  const answers = await Promise.all([0, 1, 2].map(() => generate("bob", body, { "idempotency-key": key })));
  assert.deepEqual(answers.map((a) => a.status), [202, 202, 202]);
  const tokens = await Promise.all(answers.map(async (a) => (await a.json()).token));
  const jobs = await Promise.all(tokens.map((t) => jobUntil("bob", t, (j) => j.status === "succeeded")));
  assert.equal(new Set(jobs.map((j) => j.id)).size, 1, "one job");
  assert.equal(await created(), before + 1, "one job at the sandbox");
  const other = await generate("bob", { ...body, prompt: "Another prompt" }, { "idempotency-key": key });
  assert.equal(other.status, 422);
  assert.equal((await other.json()).error.code, "IDEMPOTENCY_MISMATCH");
  // The same key from another principal is another job.
  const carol = await generate("carol", body, { "idempotency-key": key });
  assert.equal(carol.status, 202);
  await jobUntil("carol", (await carol.json()).token, (j) => j.status === "succeeded");
  assert.equal(await created(), before + 2);
});

test(`wrangler ${version}: 30 concurrent requests of one principal at $0.04 against perPrincipalUsdPerDay 0.2: 5 accepted, 25 refused 402, 5 jobs at the sandbox`, async () => {
  // Apiframe at low quality: 4 credits, $0.04; a queue provider (send, wait, store images, settle).
  const body = { prompt: PROMPT, quality: "low" };
  const before = await created("apiframe");
  const answers = await Promise.all(Array.from({ length: 30 }, () => generate("dave", body, {}, undefined, "apiframe")));
  const bodies = await Promise.all(answers.map((a) => a.json()));
  const accepted = bodies.filter((_, i) => answers[i].status === 202);
  const refused = bodies.filter((_, i) => answers[i].status === 402);
  assert.equal(accepted.length + refused.length, 30, JSON.stringify(answers.map((a) => a.status)));
  assert.equal(accepted.length, 5);
  assert.equal(accepted[0].estimate.usd, 0.04, JSON.stringify(accepted[0]));
  for (const r of refused) {
    assert.equal(r.error.code, "BUDGET_EXCEEDED");
    assert.equal(r.error.reason, "budget");
  }
  const jobs = await Promise.all(accepted.map((a) => jobUntil("dave", a.token, (j) => j.status === "succeeded", 120_000, "apiframe")));
  assert.equal(await created("apiframe"), before + 5, "5 jobs created at the sandbox");
  assert.ok(jobs.every((j) => j.steps === 4), "a queue job: send, wait, store images, settle");
  // Stored in R2 and served by the route, not the provider's URL.
  const image = await fetch(new URL(jobs[0].images[0].url, origin), { headers: { authorization: bearer("dave") } });
  assert.equal(image.status, 200);
  assert.match(jobs[0].images[0].url, /^\/api\/apiframe\/images\//);
  // Settled to the exact costs: today's spend is what the five cost.
  const usage = await (await fetch(`${origin}/api/apiframe/usage`, { headers: { authorization: bearer("dave") } })).json();
  const cost = jobs.reduce((sum, j) => sum + j.cost.usd, 0);
  assert.equal(usage.jobs, 5);
  assert.equal(usage.limitUsd, 0.2);
  assert.ok(Math.abs(usage.usd - cost) < 1e-6, JSON.stringify({ usage, cost }));
  assert.ok(cost <= 0.2 + 1e-9);
  console.log(`     settled: $${cost.toFixed(6)} for 5 jobs estimated at $0.20; ${jobs[0].steps} Workflow steps a queue job; ledger ${usage.storageBytes} bytes after 5 jobs`);
});

test(`wrangler ${version}: SIGKILL with jobs in flight: after a restart on the same state, finished jobs and images are served; a job in flight is never sent again nor reads as more than happened, and one with a provider's id is found again from its record`, async () => {
  // An Apiframe job waiting on the provider (sent: its record holds the provider's id).
  const queuedBefore = await created("apiframe");
  const q = await generate("frank", { prompt: PROMPT, quality: "medium" }, {}, undefined, "apiframe");
  assert.equal(q.status, 202);
  const { token: queuedToken } = await q.json();
  const waiting = await jobUntil("frank", queuedToken, (j) => Boolean(j.handle?.jobId), 20_000, "apiframe");
  assert.equal(waiting.status, "running", JSON.stringify(waiting));
  // An OpenAI job being sent: the sandbox has the request (and bills it), no answer yet.
  const before = await created();
  const r = await generate("erin", { prompt: PROMPT, quality: "medium", size: "1024x1024" });
  assert.equal(r.status, 202);
  const { token } = await r.json();
  // In flight: the sandbox has the request (and bills it), no answer yet.
  const end = Date.now() + 30_000;
  while ((await created()) === before && Date.now() < end) await sleep(50);
  assert.equal(await created(), before + 1, "sent once");
  process.kill(-server.pid, "SIGKILL");
  await sleep(500);
  await start();
  // Finished before the kill: still served, bytes and all.
  const old = await getJob("alice", finishedEarlier[0].token);
  assert.equal(old.body.status, "succeeded");
  const image = await fetch(new URL(finishedEarlier[0].url, origin), { headers: { authorization: bearer("alice") } });
  assert.equal(image.status, 200);
  assert.equal((await image.arrayBuffer()).byteLength, finishedEarlier[0].bytes);
  // The job in flight: after longer than the sandbox takes, it was never sent again and never
  // reads succeeded; after stallMs it is marked stalled, with its handle to find it.
  await sleep(20_000);
  const job = await jobUntil("erin", token, (j) => j.stalled === true || j.status === "unknown", 30_000);
  assert.notEqual(job.status, "succeeded");
  assert.deepEqual(job.images, []);
  assert.equal(await created(), before + 1, "never sent a second time");
  assert.ok(job.handle && job.handle.idempotencyKey, JSON.stringify(job));
  console.log(`     after the restart the job in flight reads ${JSON.stringify({ status: job.status, stalled: job.stalled, handle: job.handle })}`);
  // The Apiframe job: stalled, never sent again, and its record's handle is one
  // ImageClient.waitFor takes (no prompt in it): the paid job is found again.
  const queued = await jobUntil("frank", queuedToken, (j) => j.stalled === true, 30_000, "apiframe");
  assert.notEqual(queued.status, "succeeded");
  assert.equal(queued.handle.jobId, waiting.handle.jobId);
  assert.ok(!JSON.stringify(queued).includes(PROMPT), "the record shows no prompt");
  const { ImageClient } = await import(join(HOSTS, "node_modules/gpt-image-edge/dist/node.mjs"));
  const found = await new ImageClient({ provider: "apiframe", apiKey: SANDBOX_KEYS.apiframe, baseUrl: sandbox.url }).waitFor(queued.handle);
  assert.equal(found.status, "succeeded", JSON.stringify(found));
  assert.ok(found.images.length >= 1 && found.images[0].url, JSON.stringify(found.images));
  assert.equal(await created("apiframe"), queuedBefore + 1, "the Apiframe job was sent once");
  console.log(`     the Apiframe job stalled with ${JSON.stringify(queued.handle)}; waitFor(handle): ${found.status}, ${found.images.length} image, ${found.cost.usd} USD`);
});

test("createRouteHandler refuses jobs and budgets it cannot honour, naming the option", async () => {
  const { createRouteHandler } = await import(join(HOSTS, "node_modules/gpt-image-edge/dist/node.mjs"));
  const base = { provider: "openai", apiKey: "sk-test-aaaaaaaaaaaaaaaaaaaa", secret: "s".repeat(32), public: true };
  const bindings = {
    workflow: { create() {}, get() {} },
    ledger: { idFromName() {}, get() {} },
    images: { get() {}, put() {} },
  };
  const refused = (options, pattern) => assert.throws(() => createRouteHandler({ ...base, ...options }), (e) => e.code === "INVALID_REQUEST" && pattern.test(e.message));
  refused({ budget: { perPrincipalUsdPerDay: 1 } }, /option `budget` needs `jobs`/);
  refused({ jobs: { ...bindings, workflow: {} } }, /option `jobs.workflow`/);
  refused({ jobs: { ...bindings, ledger: null } }, /option `jobs.ledger`/);
  refused({ jobs: { ...bindings, images: { get() {} } } }, /option `jobs.images`/);
  refused({ jobs: bindings, budget: { perPrincipalUsdPerDay: -1 } }, /option `budget.perPrincipalUsdPerDay`/);
  refused({ jobs: bindings, budget: { siteUsdPerDay: "5" } }, /option `budget.siteUsdPerDay`/);
  refused({ jobs: bindings, partialImages: 2 }, /option `partialImages` is not available with `jobs`/);
  assert.equal(typeof createRouteHandler({ ...base, jobs: bindings, budget: { perPrincipalUsdPerDay: 0.2 } }), "function");
});

test("the persisted state (Workflow instances and step results, ledgers, R2) holds no key, and the runtime's output none", () => {
  const files = readdirSync(state, { recursive: true }).map((f) => join(state, String(f))).filter((f) => statSync(f).isFile());
  assert.ok(files.length > 0);
  let bytes = 0;
  for (const f of files) {
    const data = readFileSync(f);
    bytes += data.length;
    for (const provider of ["openai", "apiframe"]) {
      assert.equal(data.indexOf(SANDBOX_KEYS[provider]), -1, `${f} holds the ${provider} key`);
    }
  }
  assert.ok(!server.output().includes(SANDBOX_KEYS.openai) && !server.output().includes(SANDBOX_KEYS.apiframe));
  console.log(`     ${files.length} files, ${bytes} bytes of persisted state searched`);
});

row("wrangler dev --persist-to (workerd)", version, "durable jobs: Workflow per job, ImageLedger budgets, R2 images, SIGKILL and restart");
