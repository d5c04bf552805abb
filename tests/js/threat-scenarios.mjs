// The route under a hostile upstream, a careless caller and real proxies: one
// scenario per finding of the attack on the route (issue 19), each through
// standard Request objects. Runs in Node (threats-node.test.mjs) and inside
// workerd (worker-threats.mjs): fetch, streams, WebCrypto and the package only.
import { assertNoKey, keyTrace, pieces } from "./leaks.mjs";
import { pngDataUrl } from "./png.mjs";
import { realisticKeys } from "./route-scenarios.mjs";
import { KEYS, PROVIDERS, sandboxControl, setup } from "./scenarios.mjs";
import { check, same, sleep } from "./check.mjs";

const SECRET = "threat-test-secret-0123456789abcdef0123456789";
const ORIGIN = "https://app.example.com";

/** `promise`, or a failure after `ms` (a route that hangs fails the test instead of stalling it). */
function within(ms, promise, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Apiframe's signature of `text`, computed independently with WebCrypto. */
async function signApiframe(apiKey, text) {
  const enc = new TextEncoder();
  const raw = await crypto.subtle.digest("SHA-256", enc.encode(apiKey));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(text)));
  return "sha256=" + Array.from(sig, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Read a route's event stream to its end: `{ status, events: [{ event, data }], text }`. */
async function readStream(res) {
  const out = { status: res.status, events: [], text: "" };
  if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    out.text = await res.text();
    out.json = out.text ? JSON.parse(out.text) : null;
    return out;
  }
  out.text = await res.text();
  for (const block of out.text.split("\n\n")) {
    if (!block || block.startsWith(":")) continue;
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
    out.events.push({ event, data: JSON.parse(data) });
  }
  return out;
}

/**
 * The scenarios: `{ name, run }`. `edge` is the package, `sandboxUrl` the sandbox (time scale
 * small), `hostileUrl` the hostile upstream of hostile.mjs.
 */
export function threatScenarios(edge, sandboxUrl, hostileUrl) {
  const sb = sandboxControl(sandboxUrl);
  const keys = realisticKeys();
  const reports = [];
  const mode = async (m) => {
    const r = await fetch(`${hostileUrl}/__mode`, { method: "POST", body: m });
    check(r.ok, "hostile control");
  };
  const byUser = (request) => request.headers.get("x-user");
  const make = (provider, extra = {}) =>
    edge.createRouteHandler({
      ...setup(provider),
      baseUrl: sandboxUrl,
      secret: SECRET,
      typicalDurationMs: 200,
      authorize: byUser,
      onError: (r) => reports.push(r),
      ...extra,
    });
  const hostile = (provider, extra = {}) => make(provider, { apiKey: keys[provider], baseUrl: hostileUrl, maxRetries: 0, ...extra });
  /** A request to the route as a same-origin page of ORIGIN would send it. */
  const request = (path, { method = "POST", body, headers = {}, user = "alice" } = {}) => {
    const h = new Headers({ origin: ORIGIN, "sec-fetch-site": "same-origin", ...headers });
    if (user) h.set("x-user", user);
    if (body !== undefined && !h.has("content-type")) h.set("content-type", "application/json");
    const payload = typeof body === "string" || body === undefined ? body : JSON.stringify(body);
    return new Request(`${ORIGIN}/api/images${path}`, { method, headers: h, body: payload });
  };
  const call = async (handler, path, options) => {
    const res = await handler(request(path, options));
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
  };
  const pollUntilDone = async (handler, token, user = "alice") => {
    let job;
    for (let i = 0; i < 100; i++) {
      job = await call(handler, `/jobs/${token}`, { method: "GET", user });
      if (job.status !== 200 || ["succeeded", "failed", "cancelled"].includes(job.json.status)) return job;
      await sleep(30);
    }
    return job;
  };

  const list = [];
  const add = (name, run) =>
    list.push({
      name,
      run: async () => {
        reports.length = 0;
        try {
          await run();
        } finally {
          await sb.clearFaults();
        }
      },
    });

  add("finding 1: a key written with \\u escapes in a streamed partial image never reaches the browser", async () => {
    await mode("leaky-stream");
    const h = hostile("openai", { partialImages: 2 });
    const res = await h(request("/generate", { body: { prompt: "a lighthouse", quality: "low", size: "1024x1024" }, headers: { accept: "text/event-stream" } }));
    const r = await readStream(res);
    check(r.status === 200, `stream: ${r.status} ${r.text.slice(0, 200)}`);
    assertNoKey(r.text, keys.openai, "the event stream");
    const names = r.events.map((e) => e.event).join(",");
    check(names === "accepted,partial_image,partial_image,completed", names);
    check(r.events[1].data.b64 && r.events[1].data.size === null, JSON.stringify(r.events[1].data).slice(0, 200));
    // The same upstream answering as JSON.
    const json = await call(h, "/generate", { body: { prompt: "a lighthouse", quality: "low", size: "1024x1024" } });
    check(json.status === 200 && json.json.job.images.length === 1, json.text.slice(0, 200));
    assertNoKey(json.text, keys.openai, "the JSON answer");
    for (const r of reports) assertNoKey(JSON.stringify(r), keys.openai, "a report");
  });

  add("finding 2: a failed job's provider text, and image URLs carrying the key, never reach the caller", async () => {
    for (const provider of ["apiframe", "gptimage2ai"]) {
      reports.length = 0;
      const h = hostile(provider);
      await mode("leaky-failure");
      const accepted = await call(h, "/generate", { body: { prompt: "x" } });
      check(accepted.status === 202, `${provider}: ${accepted.status} ${accepted.text}`);
      const failed = await pollUntilDone(h, accepted.json.token);
      check(failed.json.status === "failed", `${provider}: ${failed.text}`);
      same(failed.json.error, { code: "JOB_FAILED", message: "the image could not be made" }, `${provider}: the failed job's error`);
      check(!failed.text.includes("evil.example") && !failed.text.includes("suspended"), `${provider}: the lure passed: ${failed.text}`);
      assertNoKey(failed.text, keys[provider], `${provider}'s failed job`);
      // The operator hears the provider's reason, with the key hidden in every form.
      const told = reports.find((r) => r.route === "job" && r.code === "JOB_FAILED");
      check(told && /suspended/.test(told.error.message) && told.principal === "alice", `${provider}: ${JSON.stringify(reports)}`);
      for (const r of reports) assertNoKey(JSON.stringify(r), keys[provider], `${provider}'s report`);
      check(!JSON.stringify(reports).includes(pieces(keys[provider])[1]), `${provider}: a 15-character piece reached the report`);
      reports.length = 0;
      await mode("leaky-url");
      const done = await call(h, "/generate", { body: { prompt: "x" } });
      const job = await pollUntilDone(h, done.json.token);
      assertNoKey(job.text, keys[provider], `${provider}'s job`);
      check(!job.text.includes("cdn.evil.example"), `${provider}: an image URL passed: ${job.text}`);
      check(job.json.status === "failed" && job.json.images.length === 0, `${provider}: ${job.text}`);
    }
    // A synchronous provider's keyed and plain-http URLs are withheld too.
    await mode("leaky-url");
    const g = await call(hostile("getimg"), "/generate", { body: { prompt: "x" } });
    assertNoKey(g.text, keys.getimg, "getimg's answer");
    check(!g.text.includes("cdn.evil.example") && g.json.job.status === "failed", g.text);
  });

  add("finding 3: maxCostUsd holds: input images (from their bytes, or the most by URL), fidelity and partial images are priced", async () => {
    const big = await pngDataUrl(2048, 2048);
    const edit = { prompt: "paint it blue", quality: "low", size: "1024x1024", inputFidelity: "high", references: Array(16).fill(big) };
    const open = { allow: { references: true }, maxBodyBytes: 4 * 1024 * 1024 };
    const capped = make("openai", { ...open, maxCostUsd: 0.25 });
    const spent0 = (await sb.ledger(KEYS.openai)).usd;
    const r = await call(capped, "/generate", { body: edit });
    const spent1 = (await sb.ledger(KEYS.openai)).usd;
    check(spent1 - spent0 <= 0.25 + 1e-9, `billed $${(spent1 - spent0).toFixed(5)} under a $0.25 cap (answer ${r.status})`);
    check(r.status === 402 && r.json.error.code === "BUDGET_EXCEEDED", `${r.status} ${r.text.slice(0, 300)}`);
    // Without the cap it runs: the estimate it was given is not below the bill.
    const uncapped = make("openai", open);
    const ok = await call(uncapped, "/generate", { body: edit });
    const billed = (await sb.ledger(KEYS.openai)).usd - spent1;
    check(ok.status === 200 && ok.json.estimate.usd >= billed - 1e-9, `estimate ${ok.json?.estimate?.usd} < billed ${billed}`);
    // Partial images add output tokens: a streamed request is priced with them.
    const streamed = make("openai", { partialImages: 3 });
    const before = (await sb.ledger(KEYS.openai)).usd;
    const s = await readStream(await streamed(request("/generate", { body: { prompt: "x", quality: "low", size: "1024x1024", count: 2 }, headers: { accept: "text/event-stream" } })));
    const cost = (await sb.ledger(KEYS.openai)).usd - before;
    const estimate = s.events[0].data.estimate.usd;
    check(s.events.at(-1).event === "completed" && estimate >= cost - 1e-9, `estimate ${estimate} < billed ${cost}: ${s.events.map((e) => e.event)}`);
  });

  add("finding 4: event streams of one and two images, on every provider", async () => {
    const info = edge.providerInfo();
    for (const provider of PROVIDERS) {
      const streams = info[provider].partialImages;
      const extra = streams ? { partialImages: 1 } : {};
      const defaults = provider === "apiframe" ? { quality: "low" } : {};
      const h = make(provider, { ...extra, defaults, allow: { maxCount: 2 } });
      const tokens = info[provider].models[0].tariff.kind === "tokens";
      for (const count of [1, 2]) {
        const body = { prompt: "a lighthouse", count, ...(tokens ? { quality: "low" } : {}), ...(provider === "openai" ? { size: "1024x1024" } : {}) };
        const r = await readStream(await h(request("/generate", { body, headers: { accept: "text/event-stream" } })));
        const last = r.events.at(-1);
        check(r.status === 200 && last?.event === "completed", `${provider} x${count}: ${r.status} ${r.text.slice(0, 300)}`);
        check(last.data.status === "succeeded" && last.data.images.length === count, `${provider} x${count}: ${JSON.stringify(last.data).slice(0, 300)}`);
        if (streams) {
          // As many as asked where the provider takes a count; where it does not, what it sends.
          const partial = r.events.filter((e) => e.event === "partial_image").length;
          const counted = info[provider].partialImagesCounted;
          check(counted ? partial === count : partial >= count, `${provider} x${count}: ${partial} partial images`);
        }
      }
    }
  });

  add("finding 5: principals that are not well-formed text are refused, never merged", async () => {
    const names = { a: "user\uD800", b: "user\uDBFF", c: "user\u{1F600}" };
    const h = make("apiframe", { defaults: { quality: "low" }, authorize: (req) => names[req.headers.get("x-user")] });
    const a = await call(h, "/generate", { body: { prompt: "a" }, user: "a" });
    const b = await call(h, "/generate", { body: { prompt: "b" }, user: "b" });
    check(a.status === 500 && b.status === 500, `lone surrogates: ${a.status} ${b.status}`);
    check(reports.some((r) => r.route === "authorize" && /well-formed/.test(r.error.message)), JSON.stringify(reports));
    // Well-formed text with a surrogate pair (an emoji) is a principal like any other.
    const c = await call(h, "/generate", { body: { prompt: "c" }, user: "c" });
    check(c.status === 202, `an emoji principal: ${c.status} ${c.text}`);
    const stolen = await call(h, `/jobs/${c.json.token}`, { method: "GET", user: "a" });
    check(stolen.status === 500 || stolen.status === 404, `another principal read the job: ${stolen.status}`);
  });

  add("finding 6: a signed webhook posted three times reaches onWebhook once; an old one is refused", async () => {
    const heard = [];
    const h = make("apiframe", { onWebhook: (e) => heard.push(e) });
    const jobId = crypto.randomUUID();
    const text = JSON.stringify({ event: "completed", jobId, status: "COMPLETED", timestamp: new Date().toISOString() });
    const signature = await signApiframe(KEYS.apiframe, text);
    for (let i = 0; i < 3; i++) {
      const r = await call(h, "/webhook", { body: text, headers: { "x-webhook-signature": signature }, user: null });
      check(r.status === 204, `delivery ${i + 1}: ${r.status} ${r.text}`);
    }
    check(heard.length === 1 && heard[0].jobId === jobId, `onWebhook ran ${heard.length} times`);
    const old = JSON.stringify({ event: "completed", jobId, status: "COMPLETED", timestamp: new Date(Date.now() - 10 * 60_000).toISOString() });
    const stale = await call(h, "/webhook", { body: old, headers: { "x-webhook-signature": await signApiframe(KEYS.apiframe, old) }, user: null });
    check(stale.status === 401 && heard.length === 1, `a ten-minute-old event: ${stale.status}, heard ${heard.length}`);
    // A store shared by every instance: the same delivery to another instance is known.
    const claimed = new Set();
    const store = { claim: async (key) => !claimed.has(key) && !!claimed.add(key) };
    const [one, two] = [make("apiframe", { onWebhook: (e) => heard.push(e), replayStore: store }), make("apiframe", { onWebhook: (e) => heard.push(e), replayStore: store })];
    const fresh = JSON.stringify({ event: "progress", jobId, status: "PROCESSING", timestamp: new Date().toISOString() });
    const sig = await signApiframe(KEYS.apiframe, fresh);
    for (const instance of [one, two]) {
      check((await call(instance, "/webhook", { body: fresh, headers: { "x-webhook-signature": sig }, user: null })).status === 204, "delivered");
    }
    check(heard.length === 2, `two instances with one store told the owner ${heard.length - 1} times`);
  });

  add("finding 7: a body that trickles in is answered 408 at bodyTimeoutMs", async () => {
    const h = make("apiframe", { bodyTimeoutMs: 300 });
    let pull = 0;
    const trickle = new ReadableStream({
      async pull(c) {
        if (pull++ === 0) c.enqueue(new TextEncoder().encode('{"prompt":'));
        await sleep(200);
      },
    });
    const req = new Request(`${ORIGIN}/api/images/generate`, {
      method: "POST",
      body: trickle,
      duplex: "half",
      headers: { "content-type": "application/json", "x-user": "alice", origin: ORIGIN },
    });
    const t0 = Date.now();
    const res = await within(5000, h(req), "a trickling body");
    check(res.status === 408 && (await res.json()).error.code === "TIMEOUT", `${res.status}`);
    check(Date.now() - t0 < 2000, `answered after ${Date.now() - t0} ms`);
  });

  add("finding 8: replays under one Idempotency-Key are limited once and make one job; another body under it is 422", async () => {
    let limited = 0;
    const h = make("apiframe", {
      defaults: { quality: "low" },
      limit: async () => {
        limited++;
        await sleep(20);
        return true;
      },
    });
    const key = `order-${crypto.randomUUID()}`;
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const answers = await Promise.all(Array.from({ length: 200 }, () => call(h, "/generate", { body: { prompt: "one job" }, headers: { "idempotency-key": key } })));
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(answers.every((a) => a.status === 202 && a.json.token === answers[0].json.token), `answers: ${[...new Set(answers.map((a) => a.status))]}`);
    check(limited === 1, `limit ran ${limited} times for one job`);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 1, `${ledger1.jobsCreated - ledger0.jobsCreated} jobs`);
    const other = await call(h, "/generate", { body: { prompt: "another job" }, headers: { "idempotency-key": key } });
    check(other.status === 422 && other.json.error.code === "IDEMPOTENCY_MISMATCH", `${other.status} ${other.text}`);
    check(limited === 1, "limit ran for a refused replay");
  });

  add("finding 9: cross-site and simple requests are refused without relying on cookies or Origin", async () => {
    const h = make("apiframe", { defaults: { quality: "low" } });
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const text = JSON.stringify({ prompt: "x" });
    const plain = (headers) => h(new Request(`${ORIGIN}/api/images/generate`, { method: "POST", body: text, headers: { "content-type": "text/plain", "x-user": "alice", ...headers } }));
    const cross = await plain({ "sec-fetch-site": "cross-site" });
    check(cross.status === 403, `cross-site text/plain: ${cross.status}`);
    const noOrigin = await plain({});
    check(noOrigin.status === 415, `text/plain without Origin: ${noOrigin.status}`);
    const sameSite = await call(h, "/generate", { body: { prompt: "x" }, headers: { "sec-fetch-site": "same-site", origin: "https://other.example.com" } });
    check(sameSite.status === 403, `same-site: ${sameSite.status}`);
    const crossJson = await call(h, "/generate", { body: { prompt: "x" }, headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example" } });
    check(crossJson.status === 403, `cross-site JSON: ${crossJson.status}`);
    check((await sb.ledger(KEYS.apiframe)).jobsCreated === ledger0.jobsCreated, "a refused request was sent");
    // Listed origins still work from another site.
    const partner = make("apiframe", { defaults: { quality: "low" }, allowedOrigins: ["https://partner.example.com"] });
    const ok = await call(partner, "/generate", { body: { prompt: "x" }, headers: { "sec-fetch-site": "cross-site", origin: "https://partner.example.com" } });
    check(ok.status === 202 && ok.headers.get("access-control-allow-origin") === "https://partner.example.com", `listed: ${ok.status}`);
  });

  add("finding 10: same-origin browser POSTs are served behind a TLS-terminating proxy and under adapters that guess the scheme", async () => {
    const h = make("apiframe", { defaults: { quality: "low" } });
    const post = (url, headers) =>
      h(new Request(url, { method: "POST", body: JSON.stringify({ prompt: "x" }), headers: { "content-type": "application/json", "x-user": "alice", ...headers } }));
    // A proxy ended TLS: the handler sees http://, the browser sent https://.
    for (const fetchSite of [{ "sec-fetch-site": "same-origin" }, {}]) {
      const r = await post("http://app.example.com/api/images/generate", { host: "app.example.com", origin: "https://app.example.com", ...fetchSite });
      check(r.status === 202, `behind a proxy ${JSON.stringify(fetchSite)}: ${r.status} ${await r.text()}`);
    }
    // An adapter that guesses https (SvelteKit's adapter-node without ORIGIN).
    const guessed = await post("https://localhost:3000/api/images/generate", { host: "localhost:3000", origin: "http://localhost:3000" });
    check(guessed.status === 202, `adapter guessing the scheme: ${guessed.status}`);
    // A public origin set by the owner: an internal Host is fine, another origin is not.
    const pinned = make("apiframe", { defaults: { quality: "low" }, publicOrigin: "https://app.example.com" });
    const inside = (origin) =>
      pinned(new Request("http://10.0.0.5:8080/api/images/generate", { method: "POST", body: JSON.stringify({ prompt: "x" }), headers: { "content-type": "application/json", "x-user": "alice", host: "10.0.0.5:8080", origin } }));
    check((await inside("https://app.example.com")).status === 202, "public origin");
    check((await inside("https://evil.example")).status === 403, "another origin with a public origin set");
  });

  add("finding 11: a wrong provider key is reported to the operator; the caller sees only the coded message", async () => {
    const wrong = "afk_wrong_key_for_the_report_0123456789";
    const h = make("apiframe", { apiKey: wrong, defaults: { quality: "low" } });
    const r = await call(h, "/generate", { body: { prompt: "x" }, user: "carol" });
    check(r.status === 502 && r.json.error.message === "the image service is unavailable", r.text);
    const told = reports.find((x) => x.route === "generate");
    check(told, `no report: ${JSON.stringify(reports)}`);
    check(told.principal === "carol" && told.status === 502 && told.code === "PROVIDER_ERROR", JSON.stringify(told));
    check(told.error.code === "UNAUTHORIZED" && /401/.test(told.error.message), JSON.stringify(told.error));
    check(keyTrace(JSON.stringify(told), wrong) < 16, `the key in a report: ${JSON.stringify(told)}`);
    check(!r.text.includes("401"), "the provider's answer reached the caller");
  });

  return list;
}
