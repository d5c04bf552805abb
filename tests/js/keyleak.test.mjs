// The key never comes back: every error path, driven with a known key, then
// every text a caller can get from the error (message, stack, inspect, JSON).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { inspect } from "node:util";
import { ImageClient, estimateCost, providerInfo } from "gpt-image-edge";
import { after, test } from "./harness.mjs";
import { longestRun, realisticKeys } from "./route-scenarios.mjs";
import { startSandbox } from "./sandbox.mjs";
import { SANDBOX_SETTINGS } from "./sandbox-keys.mjs";

// Keys of real shape and length (OpenAI project keys: 164 characters).
const KEYS = realisticKeys();
const POOR = `afk_poor_${"Zy9".repeat(40)}`;
const sandbox = await startSandbox([
  "--time-scale", "0.02",
  ...Object.entries(KEYS).flatMap(([p, k]) => ["--key", `${p}=${k}`]),
  "--key", `apiframe=${POOR}`, "--balance", `${POOR}=0`,
]);

// A hostile upstream on loopback that echoes whatever key it is sent, with the
// status the test sets.
let hostileStatus = 403;
const hostile = createServer((req, res) => {
  const key = req.headers["x-api-key"] ?? String(req.headers.authorization ?? "").replace("Bearer ", "");
  res.writeHead(hostileStatus, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: `key ${key} is not allowed`, details: { [key]: [key] } }));
});
await new Promise((ok) => hostile.listen(0, "127.0.0.1", ok));
const hostileUrl = `http://127.0.0.1:${hostile.address().port}`;
after(() => new Promise((ok) => hostile.close(ok)));

function assertClean(what, value, key) {
  const texts = [
    String(value),
    value?.stack ?? "",
    inspect(value, { depth: null, showHidden: true }),
    JSON.stringify(value, value && typeof value === "object" ? Object.getOwnPropertyNames(value) : undefined) ?? "",
    JSON.stringify(value?.handle ?? null),
    JSON.stringify(value?.details ?? null),
  ];
  for (const t of texts) assert.ok(longestRun(t, key) < 16, `${what}: ${longestRun(t, key)} characters of the key appear in ${t.slice(0, 300)}`);
}

const seen = new Set();
async function expectError(what, code, key, fn) {
  try {
    await fn();
  } catch (e) {
    assert.equal(e.code, code, `${what}: ${e.message}`);
    assertClean(what, e, key);
    seen.add(code);
    return e;
  }
  assert.fail(`${what}: no error`);
}

const client = (p, extra = {}) =>
  new ImageClient({ provider: p, apiKey: KEYS[p], ...SANDBOX_SETTINGS[p], baseUrl: sandbox.url, typicalDurationMs: 300, ...extra });
const UUID = "00000000-0000-4000-8000-000000000000";

test("every error path keeps the key out of what it returns", async () => {
  const af = KEYS.apiframe;
  await expectError("invalid request", "INVALID_REQUEST", af, () => client("apiframe").generate({ prompt: "" }));
  const unregistered = `afk_unregistered_${"Qw8".repeat(40)}`;
  await expectError("unauthorized", "UNAUTHORIZED", unregistered, () =>
    new ImageClient({ provider: "apiframe", apiKey: unregistered, baseUrl: sandbox.url }).generate({ prompt: "x" }));
  await expectError("insufficient credits", "INSUFFICIENT_CREDITS", POOR, () =>
    new ImageClient({ provider: "apiframe", apiKey: POOR, baseUrl: sandbox.url }).generate({ prompt: "x" }));
  await sandbox.fault("apiframe", "submit", "rate_limit", { count: 5 });
  await expectError("rate limited", "RATE_LIMITED", af, () => client("apiframe", { maxRetries: 0 }).generate({ prompt: "x" }));
  await sandbox.clearFaults();
  await expectError("not found", "NOT_FOUND", af, () => client("apiframe").getJob(UUID));
  const handle = await client("apiframe").submit({ prompt: "x" });
  assertClean("handle", handle, af);
  await sandbox.fault("apiframe", "poll", "500", { count: 5 });
  await expectError("provider error", "PROVIDER_ERROR", af, () => client("apiframe", { maxRetries: 0 }).getJob(handle));
  await sandbox.clearFaults();
  await expectError("network", "NETWORK", af, () =>
    new ImageClient({ provider: "apiframe", apiKey: af, baseUrl: "http://127.0.0.1:1", maxRetries: 0 }).getJob(UUID));
  await sandbox.fault("apiframe", "poll", "hang");
  await expectError("timeout", "TIMEOUT", af, () => client("apiframe", { maxRetries: 0, timeoutMs: 200 }).getJob(handle));
  await sandbox.clearFaults();
  await expectError("deadline", "DEADLINE_EXCEEDED", af, () => client("apiframe").generate({ prompt: "x" }, { deadlineMs: 50 }));
  await expectError("aborted", "ABORTED", af, () => client("apiframe").generate({ prompt: "x" }, { signal: AbortSignal.abort() }));
  await sandbox.fault("apiframe", "submit", "fail");
  await expectError("job failed", "JOB_FAILED", af, () => client("apiframe").generate({ prompt: "x" }));
  await sandbox.fault("gptimage2ai", "submit", "malformed");
  await expectError("outcome unknown", "OUTCOME_UNKNOWN", KEYS.gptimage2ai, () => client("gptimage2ai").generate({ prompt: "x" }));
  await sandbox.fault("apiframe", "poll", "malformed", { count: 5 });
  await expectError("decode", "DECODE", af, () => client("apiframe", { maxRetries: 0 }).getJob(handle));
  await sandbox.clearFaults();
  await expectError("budget", "BUDGET_EXCEEDED", af, () => client("apiframe").generate({ prompt: "x" }, { maxCostUsd: 0.01 }));

  // A hostile upstream that echoes the key in every answer.
  for (const [status, code] of [[403, "FORBIDDEN"], [401, "UNAUTHORIZED"], [500, "PROVIDER_ERROR"], [400, "INVALID_REQUEST"]]) {
    hostileStatus = status;
    for (const p of Object.keys(KEYS)) {
      const c = new ImageClient({ provider: p, apiKey: KEYS[p], ...SANDBOX_SETTINGS[p], baseUrl: hostileUrl, maxRetries: 0 });
      // Jobs to poll: a poll of a job (a submit of theirs is never resent, so it cannot be judged by a status).
      const call = providerInfo()[p].flow === "async" ? () => c.getJob(UUID) : () => c.generate({ prompt: "x" });
      await expectError(`hostile ${status} ${p}`, code, KEYS[p], call);
    }
  }

  // The client itself prints no key either.
  for (const p of Object.keys(KEYS)) {
    const c = client(p);
    for (const t of [inspect(c, { showHidden: true, depth: null }), JSON.stringify(c), String(c)]) assert.ok(longestRun(t, KEYS[p]) < 16, t);
  }
  const all = ["INVALID_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "INSUFFICIENT_CREDITS", "RATE_LIMITED", "NOT_FOUND", "PROVIDER_ERROR",
    "NETWORK", "TIMEOUT", "DEADLINE_EXCEEDED", "ABORTED", "JOB_FAILED", "OUTCOME_UNKNOWN", "DECODE", "BUDGET_EXCEEDED"];
  assert.deepEqual(all.filter((c) => !seen.has(c)), [], "every code but BROWSER_KEY (tested in Chromium) was driven");
  // Sanity: the stateless functions need no key at all.
  assert.ok(estimateCost("apiframe", { prompt: "x" }).usd > 0);
});
