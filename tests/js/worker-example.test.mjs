// The example Worker (examples/worker) in real workerd: sessions as the
// principal, Cloudflare's Rate Limiting binding and the daily-spend Durable
// Object behind the route's `limit` hook, against the sandbox.
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { after, test } from "./harness.mjs";

const { startDev } = await import(pathToFileURL(`${process.env.REPO}/scripts/dev.mjs`).href);
const dev = await startDev({ port: 0, timeScale: 0.05, limits: { perMinute: 5, dailyUsdPerVisitor: 0.1 } });
after(() => dev.stop());

async function visitor() {
  const res = await fetch(`${dev.url}/api/providers`);
  assert.equal(res.status, 200);
  const cookie = res.headers.get("set-cookie");
  assert.match(cookie, /^gie_session=[0-9a-f-]{36}\.[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict/);
  return cookie.split(";")[0];
}

const generate = (cookie, body = { prompt: "a lighthouse", quality: "low" }) =>
  fetch(`${dev.url}/api/apiframe/generate`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });

test("example Worker: no session, no service; a forged cookie is refused", async () => {
  assert.equal((await generate(null)).status, 401);
  const forged = `gie_session=${crypto.randomUUID()}.${"0".repeat(64)}`;
  assert.equal((await generate(forged)).status, 401);
  const cookie = await visitor();
  const again = await fetch(`${dev.url}/api/providers`, { headers: { cookie } });
  assert.equal(again.headers.get("set-cookie"), null, "a valid session is kept");
});

test("example Worker: each visitor's jobs are their own", async () => {
  const [a, b] = [await visitor(), await visitor()];
  const r = await generate(a);
  assert.equal(r.status, 202);
  const { token } = await r.json();
  assert.equal((await fetch(`${dev.url}/api/apiframe/jobs/${token}`, { headers: { cookie: a } })).status, 200);
  assert.equal((await fetch(`${dev.url}/api/apiframe/jobs/${token}`, { headers: { cookie: b } })).status, 404);
});

test("example Worker: the daily spend (Durable Object) is 402, the rate limit (binding) is 429", async () => {
  const cookie = await visitor();
  // $0.04 each against $0.10 a day, 5 a minute: two pass, three cost too much, the sixth is too soon.
  const statuses = [];
  let retryAfter = null;
  for (let i = 0; i < 6; i++) {
    const r = await generate(cookie);
    statuses.push(r.status);
    if (r.status === 429) retryAfter = r.headers.get("retry-after");
    await r.arrayBuffer();
  }
  assert.deepEqual(statuses, [202, 202, 402, 402, 402, 429]);
  assert.equal(retryAfter, "60");
  // Another visitor is not held back by the first.
  assert.equal((await generate(await visitor())).status, 202);
});
