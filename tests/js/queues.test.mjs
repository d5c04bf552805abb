// Replicate and fal, queues that do not deduplicate, in Node against the sandbox:
// their webhooks, signed by the sandbox as each signs them, verified by the package;
// and submits whose answers are lost, each OUTCOME_UNKNOWN, never sent twice, and
// (Replicate) found again in the provider's listing by recover().
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as edge from "gpt-image-edge";
import { after, test } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";
import { KEYS, REPLICATE_WEBHOOK_SECRET } from "./scenarios.mjs";

const sandbox = await startSandbox(["--time-scale", "0.01"]);
const client = (extra = {}, provider = "replicate") =>
  new edge.ImageClient({ provider, apiKey: KEYS[provider], baseUrl: sandbox.url, typicalDurationMs: 400, timeoutMs: 3000, ...extra });
const CREATE = "POST /v1/models/{owner}/{name}/predictions";
const creates = async () => (await sandbox.stats()).requests[CREATE] ?? 0;

/** A loopback server that records each POST (headers and raw body) and answers 204. */
async function receiver() {
  const got = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${server.address().port}/hooks/replicate`, got };
}

test("replicate: a webhook the sandbox signs verifies; a changed body, a wrong secret and a stale one do not", async () => {
  const hooks = await receiver();
  const job = await client().generate({ prompt: "a signed lighthouse", quality: "low", webhookUrl: hooks.url });
  assert.equal(job.status, "succeeded");
  for (let i = 0; i < 200 && hooks.got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(hooks.got.length, 1, "one completed delivery");
  const { headers, body } = hooks.got[0];
  assert.equal(JSON.parse(body).id, job.id);
  // The secret as Replicate's API gives it.
  const { key } = await (await fetch(`${sandbox.url}/v1/webhooks/default/secret`, { headers: { authorization: `Bearer ${KEYS.replicate}` } })).json();
  assert.equal(key, REPLICATE_WEBHOOK_SECRET);
  const verify = (b, h = headers, secret = key) => edge.verifyWebhook({ provider: "replicate", secret, body: b, headers: h });
  assert.equal(await verify(body), true);
  assert.equal(await verify(new Uint8Array(body)), true);
  assert.equal(await verify(body.toString("utf8")), true);
  assert.equal(await verify(Buffer.concat([body, Buffer.from(" ")])), false);
  assert.equal(await verify(body, headers, "whsec_b3RoZXIgc2VjcmV0IGtleSBieXRlcw=="), false);
  const stale = { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 600) };
  assert.equal(await verify(body, stale), false);
});

test("replicate: 30% of submit answers dropped: each loss is OUTCOME_UNKNOWN, no job is made twice, recover finds every one", async () => {
  await sandbox.fault("replicate", "submit", "drop", { rate: 0.3 });
  const before = await creates();
  const ledgerBefore = await sandbox.ledger(KEYS.replicate);
  const N = 40;
  const outcomes = [];
  for (let i = 0; i < N; i++) {
    try {
      outcomes.push({ handle: await client().submit({ prompt: `lost and found ${i}`, quality: "low" }) });
    } catch (e) {
      assert.equal(e.code, "OUTCOME_UNKNOWN", e.message);
      assert.ok(e.handle && e.handle.jobId == null && e.handle.request, "the handle keeps the request");
      outcomes.push({ lost: e.handle });
    }
  }
  await sandbox.clearFaults();
  const lost = outcomes.filter((o) => o.lost);
  assert.ok(lost.length >= 4 && lost.length <= 24, `${lost.length} of ${N} lost at a 30% rate`);
  // Every submit was sent once: never resent.
  assert.equal((await creates()) - before, N);
  // recover() looks in the listing (GET requests only) and finds each lost job.
  const ids = new Set(outcomes.filter((o) => o.handle).map((o) => o.handle.jobId));
  for (const { lost: handle } of lost) {
    const found = await client().recover(handle);
    assert.equal(typeof found.jobId, "string");
    assert.ok(!ids.has(found.jobId), "a lost job is found as itself, not as another");
    ids.add(found.jobId);
    const job = await client().waitFor(found);
    assert.equal(job.status, "succeeded");
  }
  assert.equal(ids.size, N, "one job per request, every one found");
  assert.equal((await creates()) - before, N, "recover sent no submit");
  const ledger = await sandbox.ledger(KEYS.replicate);
  assert.equal(ledger.jobsCreated - ledgerBefore.jobsCreated, N, "the ledger has each job once");
});

test("replicate: a submit that never reached Replicate is not found, and is not sent again", async () => {
  await sandbox.fault("replicate", "submit", "hang");
  const before = await creates();
  const e = await client({ timeoutMs: 300 }).submit({ prompt: "never arrived", quality: "low" }).then(
    () => assert.fail("it succeeded"),
    (err) => err,
  );
  await sandbox.clearFaults();
  assert.equal(e.code, "OUTCOME_UNKNOWN");
  const again = await client().recover(e.handle).then(
    () => assert.fail("found a job that was never made"),
    (err) => err,
  );
  assert.equal(again.code, "OUTCOME_UNKNOWN");
  assert.match(again.message, /not sent again/);
  assert.equal((await creates()) - before, 1, "the one submit, and nothing after");
});

test("fal: a webhook the sandbox signs verifies against its JWKS; a changed body, another key and a stale one do not", async () => {
  const hooks = await receiver();
  const job = await client({}, "fal").generate({ prompt: "a signed kite", quality: "low", webhookUrl: hooks.url });
  assert.equal(job.status, "succeeded");
  for (let i = 0; i < 200 && hooks.got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(hooks.got.length, 1, "one delivery");
  const { headers, body } = hooks.got[0];
  assert.equal(JSON.parse(body).request_id, job.id);
  const jwks = await (await fetch(`${sandbox.url}/.well-known/jwks.json`)).json();
  const verify = (b, h = headers, set = jwks) => edge.verifyWebhook({ provider: "fal", body: b, headers: h, jwks: set });
  assert.equal(await verify(body), true);
  assert.equal(await verify(new Uint8Array(body)), true);
  assert.equal(await verify(Buffer.concat([body, Buffer.from(" ")])), false);
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  assert.equal(await verify(body, headers, { keys: [await crypto.subtle.exportKey("jwk", pair.publicKey)] }), false);
  const stale = { ...headers, "x-fal-webhook-timestamp": String(Number(headers["x-fal-webhook-timestamp"]) - 600) };
  assert.equal(await verify(body, stale), false);
});

test("fal: 30% of submit answers dropped: each loss is OUTCOME_UNKNOWN, and no request is made twice", async () => {
  await sandbox.fault("fal", "submit", "drop", { rate: 0.3 });
  const submits = async () => (await sandbox.stats()).requests["POST /openai/gpt-image-2"] ?? 0;
  const before = await submits();
  const ledgerBefore = await sandbox.ledger(KEYS.fal);
  const N = 40;
  let lost = 0;
  for (let i = 0; i < N; i++) {
    try {
      await client({}, "fal").submit({ prompt: `dropped ${i}`, quality: "low" });
    } catch (e) {
      assert.equal(e.code, "OUTCOME_UNKNOWN", e.message);
      // fal cannot be asked which requests exist: recover says so, and sends nothing.
      const again = await client({}, "fal").recover(e.handle).then(() => assert.fail("recovered"), (err) => err);
      assert.equal(again.code, "OUTCOME_UNKNOWN");
      lost++;
    }
  }
  await sandbox.clearFaults();
  assert.ok(lost >= 4 && lost <= 24, `${lost} of ${N} lost at a 30% rate`);
  assert.equal((await submits()) - before, N, "each sent once");
  const ledger = await sandbox.ledger(KEYS.fal);
  assert.equal(ledger.jobsCreated - ledgerBefore.jobsCreated, N, "the ledger has each request once");
});
