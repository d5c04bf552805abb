// Retries that never bill twice: 220 logical requests while the sandbox drops
// the answer to 30% of Apiframe submits (the job exists and is billed, the
// client never hears). The ledger must show exactly one charged job each.
import assert from "node:assert/strict";
import { ImageClient } from "gpt-image-edge";
import { test } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";

const KEY = "afk_billing_check";
const JOBS = 220;
const sandbox = await startSandbox(["--time-scale", "0.02", "--key", `apiframe=${KEY}`, "--seed", "7"]);

test(`${JOBS} Apiframe jobs with 30% of submit answers dropped are charged once each`, async () => {
  await sandbox.fault("apiframe", "submit", "drop", { rate: 0.3 });
  const client = new ImageClient({ provider: "apiframe", apiKey: KEY, baseUrl: sandbox.url, typicalDurationMs: 300 });
  const before = await sandbox.stats();
  let recovered = 0;
  const one = async (i) => {
    const request = { prompt: `lighthouse number ${i}`, quality: "low" };
    try {
      return await client.generate(request);
    } catch (e) {
      // Every retry was dropped too: find the job again by replaying its key.
      assert.equal(e.code, "OUTCOME_UNKNOWN", e.message);
      recovered++;
      return client.waitFor(e.handle);
    }
  };
  const jobs = [];
  for (let i = 0; i < JOBS; i += 55) {
    jobs.push(...(await Promise.all(Array.from({ length: Math.min(55, JOBS - i) }, (_, k) => one(i + k)))));
  }
  await sandbox.clearFaults();
  assert.equal(jobs.filter((j) => j.status === "succeeded").length, JOBS);
  const ledger = await sandbox.ledger(KEY);
  const stats = await sandbox.stats();
  const attempts = stats.requests["POST /v2/images/generate"] - (before.requests["POST /v2/images/generate"] ?? 0);
  console.log(
    `     ${JOBS} logical requests, ${attempts} submit attempts, ${attempts - JOBS} resent after a dropped answer, ` +
      `${recovered} recovered from their handle; ledger: ${ledger.jobsCreated} jobs created, ${ledger.jobsCharged} charged, ` +
      `${ledger.idempotentReplays} idempotent replays, ${ledger.credits} credits ($${ledger.usd})`,
  );
  assert.equal(ledger.jobsCreated, JOBS, "one job per logical request");
  assert.equal(ledger.jobsCharged, JOBS, "one charge per logical request");
  assert.equal(ledger.credits, 4 * JOBS);
  assert.ok(attempts - JOBS >= 0.2 * JOBS, `only ${attempts - JOBS} resends: the fault did not bite`);
  assert.equal(ledger.idempotentReplays, attempts - JOBS);
});
