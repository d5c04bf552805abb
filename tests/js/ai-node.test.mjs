// gpt-image-edge/ai with the real `ai` package in Node, against the sandbox.
import assert from "node:assert/strict";
import { test } from "./harness.mjs";
import { aiScenarios, dropsBillOnce } from "./ai-scenarios.mjs";
import { startSandbox } from "./sandbox.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
for (const s of aiScenarios(sandbox.url)) test(`node ai: ${s.name}`, s.run);

test("node ai: 100 generateImage calls of n=2 with keys, 30% of submit answers dropped: one job per batch", async () => {
  const { outcomes, before, after } = await dropsBillOnce(sandbox.url, 100);
  const ok = outcomes.filter((o) => o.status === "fulfilled").length;
  const created = after.jobsCreated - before.jobsCreated;
  const charged = after.jobsCharged - before.jobsCharged;
  const replays = after.idempotentReplays - before.idempotentReplays;
  console.log(`     ${ok} of 100 calls succeeded; ${created} jobs created, ${charged} charged, ${replays} idempotent replays`);
  const failures = outcomes.filter((o) => o.status === "rejected").map((o) => String(o.reason?.message ?? o.reason));
  assert.equal(ok, 100, "every call succeeded (lost answers were replayed by their batch key)");
  assert.equal(created, 200, `one job per batch (failures: ${failures.slice(0, 3).join(" | ")})`);
  assert.ok(replays > 0, "some answers were dropped and replayed");
});
