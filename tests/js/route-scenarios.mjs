// The route handler as browsers, other users and providers meet it. Runs in
// Node and inside workerd: it uses only Request/Response, fetch, WebCrypto and
// the package.
import { REPLICATE_WEBHOOK_SECRET, KEYS, SETTINGS, sandboxControl, setup } from "./scenarios.mjs";
import { check, same, sleep } from "./check.mjs";

const SECRET = "route-test-secret-0123456789abcdef0123456789";
const ORIGIN = "https://app.example.com";

/** The test's authentication: the principal is the `x-user` header. */
const byUserHeader = (request) => request.headers.get("x-user");

/** The longest run of `key` that appears in `text`. */
export function longestRun(text, key) {
  let best = 0;
  for (let i = 0; i < key.length; i++) {
    let j = i + best + 1;
    while (j <= key.length && text.includes(key.slice(i, j))) {
      best = j - i;
      j++;
    }
  }
  return best;
}

/** Keys of real shape and length: OpenAI project keys are 164 characters, the others at least 100. */
export function realisticKeys() {
  const alphabet = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-";
  const tail = (n, salt) => Array.from({ length: n }, (_, i) => alphabet[(i * 7 + salt) % alphabet.length]).join("");
  return {
    openai: `sk-proj-${tail(156, 1)}`,
    apiframe: `afk_${tail(100, 2)}`,
    gptimage2ai: `g2_${tail(100, 3)}`,
    getimg: `gi_${tail(100, 4)}`,
    // Azure's keys are 32 hexadecimal digits; OpenRouter's `sk-or-v1-` and 64.
    azure: Array.from({ length: 32 }, (_, i) => "0123456789abcdef"[(i * 5 + 3) % 16]).join(""),
    openrouter: `sk-or-v1-${Array.from({ length: 64 }, (_, i) => "0123456789abcdef"[(i * 7 + 1) % 16]).join("")}`,
    // Replicate's tokens: `r8_` and 37 more.
    replicate: `r8_${tail(37, 5)}`,
    // fal's keys: a key id and its secret, `id:secret`.
    fal: `${Array.from({ length: 36 }, (_, i) => (i % 9 === 8 ? "-" : "0123456789abcdef"[(i * 3 + 2) % 16])).join("")}:${Array.from({ length: 32 }, (_, i) => "0123456789abcdef"[(i * 11 + 5) % 16]).join("")}`,
  };
}

/** A Standard Webhooks signature (`v1,<base64>`), computed independently with WebCrypto. */
export async function standardSignature(secret, id, timestamp, body) {
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)));
  return `v1,${btoa(String.fromCharCode(...sig))}`;
}

/** Apiframe's signature of `bytes`, computed independently with WebCrypto. */
async function hmacHex(apiKey, bytes) {
  const enc = new TextEncoder();
  const raw = await crypto.subtle.digest("SHA-256", enc.encode(apiKey));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, typeof bytes === "string" ? enc.encode(bytes) : bytes));
  return Array.from(sig, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The code of the error \`fn\` throws (undefined when it does not). */
function throws(fn) {
  try {
    fn();
  } catch (e) {
    return e.code;
  }
  return undefined;
}

/**
 * The scenarios. `hostileUrl` is a loopback server that echoes the key it is
 * sent (see hostile.mjs).
 */
export function routeScenarios(edge, sandboxUrl, hostileUrl) {
  const sb = sandboxControl(sandboxUrl);
  const seenKeys = new Set(Object.values(KEYS));
  const webhooks = [];
  const reports = [];
  const make = (provider, extra = {}) =>
    edge.createRouteHandler({
      ...setup(provider),
      baseUrl: sandboxUrl,
      secret: SECRET,
      typicalDurationMs: 300,
      authorize: byUserHeader,
      onWebhook: (event) => webhooks.push(event),
      onError: (report) => reports.push(report),
      ...extra,
    });
  const handlers = {
    apiframe: make("apiframe", { maxCostUsd: 0.25, allow: { maxCount: 2, values: { quality: ["low", "medium", "high"] } }, defaults: { quality: "low" } }),
    openai: make("openai"),
    azure: make("azure"),
    openrouter: make("openrouter"),
    replicate: make("replicate", { webhookSecret: REPLICATE_WEBHOOK_SECRET }),
  };
  // Call a handler as `user` (null: no user) and scan the whole response for
  // any run of 16 characters of any key.
  const call = async (handler, path, { method = "GET", body, headers = {}, origin, user = "alice" } = {}) => {
    const h = new Headers(headers);
    if (origin) h.set("origin", origin);
    if (user) h.set("x-user", user);
    if (body !== undefined && !h.has("content-type")) h.set("content-type", "application/json");
    const payload = body instanceof Uint8Array || typeof body === "string" || body === undefined ? body : JSON.stringify(body);
    const res = await handler(new Request(`${ORIGIN}${path}`, { method, headers: h, body: payload }));
    const text = await res.text();
    const all = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n") + "\n" + text;
    for (const k of seenKeys) check(longestRun(all, k) < Math.min(16, k.length), `a response carried a key: ${all.slice(0, 300)}`);
    for (const [name] of res.headers) {
      check(["cache-control", "x-content-type-options", "content-type", "content-length", "access-control-allow-origin", "vary", "allow", "retry-after",
        "access-control-allow-methods", "access-control-allow-headers", "access-control-max-age"].includes(name), `unexpected header ${name}`);
    }
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  };
  // Call generate asking for an event stream; read it as it comes: events and
  // comment lines with their arrival times. `until(event)` true: cancel there.
  const streamCall = async (handler, body, { user = "alice", until, headers: extra = {} } = {}) => {
    const headers = new Headers({ "content-type": "application/json", accept: "text/event-stream", ...extra });
    if (user) headers.set("x-user", user);
    const t0 = Date.now();
    const res = await handler(new Request(`${ORIGIN}/api/images/generate`, { method: "POST", headers, body: JSON.stringify(body) }));
    const out = { status: res.status, headers: res.headers, events: [], comments: [], chunks: [], cancelled: false };
    if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      out.json = await res.json();
      return out;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let all = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = decoder.decode(value, { stream: true });
      out.chunks.push(Date.now() - t0);
      all += chunk;
      text += chunk;
      let end;
      while ((end = text.indexOf("\n\n")) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        if (block.startsWith(":")) {
          out.comments.push(Date.now() - t0);
          continue;
        }
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        const event = { event: name, data: JSON.parse(data), at: Date.now() - t0 };
        out.events.push(event);
        if (until?.(event)) {
          await reader.cancel();
          out.cancelled = true;
          break;
        }
      }
      if (out.cancelled) break;
    }
    out.rest = text;
    for (const k of seenKeys) check(longestRun(all, k) < Math.min(16, k.length), `a stream carried a key: ${all.slice(0, 300)}`);
    return out;
  };
  const names = (r) => r.events.map((e) => e.event).join(",");
  const jobsNow = async () => (await sb.stats()).jobs;

  const expectRefusal = (r, status, code) => {
    check(r.status === status, `expected ${status}, got ${r.status}: ${JSON.stringify(r.json)}`);
    check(r.json?.error?.code === code, `expected ${code}, got ${JSON.stringify(r.json)}`);
  };
  const list = [];
  const add = (name, run) => list.push({ name, run: async () => { try { await run(); } finally { await sb.clearFaults(); } } });

  add("generate: 202 with an opaque token, then polls to the finished image", async () => {
    const r = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "a lighthouse", quality: "low" }, origin: ORIGIN });
    check(r.status === 202 && typeof r.json.token === "string", JSON.stringify(r.json));
    check(r.json.estimate.usd === 0.04, JSON.stringify(r.json.estimate));
    check(!/[0-9a-f]{8}-[0-9a-f]{4}-/.test(r.json.token), "the token shows a raw job id");
    let job;
    for (let i = 0; i < 100; i++) {
      job = (await call(handlers.apiframe, `/api/images/jobs/${r.json.token}`)).json;
      if (job.status === "succeeded" || job.status === "failed") break;
      await sleep(50);
    }
    check(job.status === "succeeded" && job.images.length === 1 && job.images[0].url, JSON.stringify(job));
    check(Object.keys(job).sort().join() === "cost,error,images,progress,status", Object.keys(job).join());
  });

  add("Replicate through the route: a token, polls to the images with their one-hour expiresAt, and its event stream", async () => {
    const r = await call(handlers.replicate, "/api/images/generate", { method: "POST", body: { prompt: "a lighthouse", quality: "low", aspectRatio: "3:2" } });
    check(r.status === 202 && typeof r.json.token === "string" && r.json.estimate.usd === 0.012, JSON.stringify(r.json));
    let job;
    for (let i = 0; i < 100; i++) {
      job = (await call(handlers.replicate, `/api/images/jobs/${r.json.token}`)).json;
      if (job.status === "succeeded" || job.status === "failed") break;
      await sleep(50);
    }
    check(job.status === "succeeded" && job.images.length === 1 && job.images[0].url, JSON.stringify(job));
    const left = Date.parse(job.images[0].expiresAt) - Date.now();
    check(left > 3_000_000 && left <= 3_600_000, `expiresAt ${job.images[0].expiresAt}`);
    check(job.cost.usd === 0.012 && !job.cost.exact, JSON.stringify(job.cost));
    const streamed = await streamCall(handlers.replicate, { prompt: "a kite", quality: "low" });
    check(names(streamed).startsWith("accepted") && names(streamed).endsWith(",completed"), names(streamed));
  });

  add("generate on a synchronous provider answers with the job itself", async () => {
    const r = await call(handlers.openai, "/api/images/generate", { method: "POST", body: { prompt: "a lighthouse", quality: "low", size: "1024x1024" } });
    check(r.status === 200 && r.json.token === null && r.json.job.status === "succeeded" && r.json.job.images[0].b64, JSON.stringify(r.json).slice(0, 200));
  });

  add("Azure and OpenRouter through the route: the job itself, its exact cost; Azure refuses partialImages at setup", async () => {
    for (const [provider, body] of [["azure", { prompt: "a lighthouse", quality: "low", size: "1024x1024" }], ["openrouter", { prompt: "a lighthouse", quality: "low", aspectRatio: "3:2" }]]) {
      const r = await call(handlers[provider], "/api/images/generate", { method: "POST", body });
      check(r.status === 200 && r.json.token === null && r.json.job.status === "succeeded" && r.json.job.images[0].b64, `${provider}: ${JSON.stringify(r.json).slice(0, 200)}`);
      check(r.json.job.cost.exact && r.json.job.cost.usd > 0 && r.json.estimate.usd >= r.json.job.cost.usd, `${provider}: ${JSON.stringify([r.json.estimate, r.json.job.cost])}`);
    }
    check(throws(() => make("azure", { partialImages: 1 })) === "INVALID_REQUEST", "partialImages on Azure");
    const streamed = await streamCall(make("openrouter", { partialImages: 1 }), { prompt: "a kite", quality: "low" });
    check(names(streamed).startsWith("accepted,partial_image") && names(streamed).endsWith(",completed"), names(streamed));
  });

  add("the caller's Idempotency-Key makes a retried POST the same job", async () => {
    const opts = { method: "POST", body: { prompt: "same job", quality: "low" }, headers: { "idempotency-key": `order-${Math.random().toString(36).slice(2)}` } };
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const a = await call(handlers.apiframe, "/api/images/generate", opts);
    const b = await call(handlers.apiframe, "/api/images/generate", opts);
    check(a.status === 202 && b.status === 202, "accepted");
    const ledger1 = await sb.ledger(KEYS.apiframe);
    // The route answers the retry with the first answer: the provider hears one submit.
    check(ledger1.jobsCreated - ledger0.jobsCreated === 1 && ledger1.idempotentReplays === ledger0.idempotentReplays, JSON.stringify(ledger1));
    check(b.json.token === a.json.token, "the retry gets the first answer");
  });

  add("400: an invalid request, with its issues; a body that is not JSON", async () => {
    const r = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "", count: 0, model: "x" } });
    expectRefusal(r, 400, "INVALID_REQUEST");
    check(r.json.error.issues.map((i) => i.code).sort().join() === "empty,not_allowed,out_of_range", JSON.stringify(r.json));
    expectRefusal(await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: "not json" }), 400, "INVALID_REQUEST");
    const bad = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "x" }, headers: { "idempotency-key": "has space" } });
    expectRefusal(bad, 400, "INVALID_REQUEST");
  });

  add("1. authorize names the principal; anything but a non-empty string is 401", async () => {
    for (const [what, authorize] of [
      ["false", async () => false],
      ["null", () => null],
      ["an empty string", () => ""],
      ["true", () => true],
      ["a number", () => 42],
      ["a throw", () => { throw new Error("no session"); }],
      ["a rejection", () => Promise.reject(new Error("no session"))],
    ]) {
      const h = make("apiframe", { authorize });
      expectRefusal(await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low" } }), 401, "UNAUTHORIZED");
      expectRefusal(await call(h, "/api/images/jobs/abc"), 401, "UNAUTHORIZED");
      check(true, what);
    }
    const h = make("apiframe");
    expectRefusal(await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low" }, user: null }), 401, "UNAUTHORIZED");
    const ok = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low" }, user: "user-1" });
    check(ok.status === 202, `authorized: ${ok.status}`);
  });

  add("1. without authorize the route refuses to start, unless public: true", async () => {
    const base = { provider: "apiframe", apiKey: KEYS.apiframe, baseUrl: sandboxUrl, secret: SECRET };
    let err;
    try {
      edge.createRouteHandler(base);
    } catch (e) {
      err = e;
    }
    check(err?.code === "INVALID_REQUEST" && /authorize/.test(err.message) && /public: true/.test(err.message), `got ${err?.code}: ${err?.message}`);
    let both;
    try {
      edge.createRouteHandler({ ...base, public: true, authorize: byUserHeader });
    } catch (e) {
      both = e;
    }
    check(both?.code === "INVALID_REQUEST", `authorize with public: ${both?.code}`);
    // Public: everyone is one principal, and callers' Idempotency-Key headers are ignored.
    const open = edge.createRouteHandler({ ...base, public: true, typicalDurationMs: 300 });
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const opts = { method: "POST", body: { prompt: "public", quality: "low" }, headers: { "idempotency-key": "same-key-everywhere" }, user: null };
    const a = await call(open, "/api/images/generate", opts);
    const b = await call(open, "/api/images/generate", opts);
    check(a.status === 202 && b.status === 202, `public: ${a.status} ${b.status}`);
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 2 && ledger1.idempotentReplays === ledger0.idempotentReplays, `two jobs, no replay: ${JSON.stringify(ledger1)}`);
    check((await call(open, `/api/images/jobs/${a.json.token}`, { user: null })).status === 200, "a public token polls");
  });

  add("2. one principal never reaches another's job: same Idempotency-Key, stolen token", async () => {
    const h = handlers.apiframe;
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const key = `shared-key-${Math.random().toString(36).slice(2)}`;
    const alice = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "alice's lighthouse", quality: "low" }, headers: { "idempotency-key": key }, user: "alice" });
    const bob = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "bob's bicycle", quality: "low" }, headers: { "idempotency-key": key }, user: "bob" });
    check(alice.status === 202 && bob.status === 202, `${alice.status} ${bob.status}`);
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 2 && ledger1.idempotentReplays === ledger0.idempotentReplays, `two jobs, no replay: ${JSON.stringify(ledger1)}`);
    // Alice's retry is still her own job (the route's kept answer; nothing sent).
    const again = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "alice's lighthouse", quality: "low" }, headers: { "idempotency-key": key }, user: "alice" });
    check(again.status === 202 && again.json.token === alice.json.token, "alice's retry is her job");
    check((await sb.ledger(KEYS.apiframe)).jobsCreated - ledger0.jobsCreated === 2, "the retry was not sent");
    // Bob with Alice's token: 404, exactly like a forged token.
    const stolen = await call(h, `/api/images/jobs/${alice.json.token}`, { user: "bob" });
    const forged = await call(h, "/api/images/jobs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", { user: "bob" });
    expectRefusal(stolen, 404, "NOT_FOUND");
    same(stolen.json, forged.json, "a stolen token's answer (as a forged one's)");
    check((await call(h, `/api/images/jobs/${alice.json.token}`, { user: "alice" })).status === 200, "alice polls her own");
  });

  add("402: over the route's budget", async () => {
    const r = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "high", count: 2 } });
    expectRefusal(r, 402, "BUDGET_EXCEEDED");
    check(r.json.estimate.usd === 0.46, JSON.stringify(r.json));
  });

  add("403: the allow-list (references, webhookUrl, count, values) and foreign origins", async () => {
    const refs = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "x", references: ["https://cdn.example.com/a.png"] } });
    expectRefusal(refs, 403, "FORBIDDEN");
    const hook = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "x", webhookUrl: "https://evil.example.com/h" } });
    expectRefusal(hook, 403, "FORBIDDEN");
    const count = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low", count: 3 } });
    expectRefusal(count, 403, "FORBIDDEN");
    const narrow = make("apiframe", { allow: { values: { quality: ["low"] } } });
    expectRefusal(await call(narrow, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "high" } }), 403, "FORBIDDEN");
    const evil = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "x" }, origin: "https://evil.example.com" });
    expectRefusal(evil, 403, "FORBIDDEN");
    check(!evil.headers.has("access-control-allow-origin"), "no CORS for a refused origin");
  });

  add("same origin is the Host the browser asked for, whatever URL the framework hands over", async () => {
    // Next.js gives route handlers a request.url on localhost while the page is on 127.0.0.1.
    const h = handlers.apiframe;
    const req = (origin) =>
      new Request("http://localhost:3000/api/images/generate", {
        method: "POST",
        headers: { host: "127.0.0.1:3000", origin, "content-type": "application/json", "x-user": "alice" },
        body: JSON.stringify({ prompt: "x", quality: "low" }),
      });
    check((await h(req("http://127.0.0.1:3000"))).status === 202, "same origin by Host");
    const evil = await h(req("https://evil.example.com"));
    check(evil.status === 403 && !evil.headers.has("access-control-allow-origin"), `foreign origin: ${evil.status}`);
  });

  add("CORS for listed origins; preflight", async () => {
    const h = make("apiframe", { allowedOrigins: ["https://partner.example.com"] });
    const pre = await call(h, "/api/images/generate", { method: "OPTIONS", origin: "https://partner.example.com" });
    check(pre.status === 204 && pre.headers.get("access-control-allow-origin") === "https://partner.example.com", `preflight ${pre.status}`);
    const r = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low" }, origin: "https://partner.example.com" });
    check(r.status === 202 && r.headers.get("access-control-allow-origin") === "https://partner.example.com", `cross-origin ${r.status}`);
  });

  add("404: tampered, expired and foreign tokens; unknown routes; 405 for wrong methods", async () => {
    const r = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low" } });
    const token = r.json.token;
    const flipped = token.slice(0, 20) + (token[20] === "A" ? "B" : "A") + token.slice(21);
    expectRefusal(await call(handlers.apiframe, `/api/images/jobs/${flipped}`), 404, "NOT_FOUND");
    expectRefusal(await call(handlers.apiframe, "/api/images/jobs/not-a-token"), 404, "NOT_FOUND");
    const other = make("apiframe", { secret: "another-secret-0123456789abcdef0123456789ab" });
    expectRefusal(await call(other, `/api/images/jobs/${token}`), 404, "NOT_FOUND");
    const gptHandler = make("gptimage2ai");
    expectRefusal(await call(gptHandler, `/api/images/jobs/${token}`), 404, "NOT_FOUND");
    const brief = make("apiframe", { tokenTtlMs: 1 });
    const short = await call(brief, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low" } });
    await sleep(20);
    expectRefusal(await call(brief, `/api/images/jobs/${short.json.token}`), 404, "NOT_FOUND");
    expectRefusal(await call(handlers.apiframe, "/api/images/nothing"), 404, "NOT_FOUND");
    const wrong = await call(handlers.apiframe, "/api/images/generate");
    expectRefusal(wrong, 405, "METHOD_NOT_ALLOWED");
    check(wrong.headers.get("allow") === "POST", "Allow header");
  });

  add("413: bodies over the limit, declared or streamed", async () => {
    const big = JSON.stringify({ prompt: "x".repeat(70 * 1024) });
    expectRefusal(await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: big }), 413, "TOO_LARGE");
    const small = make("apiframe", { maxBodyBytes: 100 });
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(JSON.stringify({ prompt: "y".repeat(500) }))); c.close(); } });
    const res = await small(new Request(`${ORIGIN}/api/images/generate`, { method: "POST", body: stream, duplex: "half", headers: { "content-type": "application/json", "x-user": "alice" } }));
    check(res.status === 413, `streamed: ${res.status}`);
  });

  add("429 from the provider passes on as 429 with Retry-After, nothing else", async () => {
    await sb.fault("apiframe", "submit", "rate_limit", { count: 10, retryAfter: 3 });
    const h = make("apiframe", { maxRetries: 0 });
    const r = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low" } });
    expectRefusal(r, 429, "RATE_LIMITED");
    check(r.headers.get("retry-after") === "3", `retry-after ${r.headers.get("retry-after")}`);
  });

  add("a provider refusing the key is a 502, not an account detail", async () => {
    const h = make("apiframe", { apiKey: "afk_route_wrong_key_1234" });
    seenKeys.add("afk_route_wrong_key_1234");
    expectRefusal(await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x" } }), 502, "PROVIDER_ERROR");
  });

  add("5. webhooks are verified over the raw bytes; the event says which job, nothing more", async () => {
    const text = JSON.stringify({ event: "completed", jobId: "b2c3", status: "COMPLETED" });
    const sig = await hmacHex(KEYS.apiframe, new TextEncoder().encode(text));
    const before = webhooks.length;
    const good = await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body: text, headers: { "x-webhook-signature": `sha256=${sig}` }, user: null });
    check(good.status === 204 && webhooks.length === before + 1, `good: ${good.status}`);
    const event = webhooks.at(-1);
    same(event, { provider: "apiframe", jobId: "b2c3", event: JSON.parse(text) }, "the webhook event");
    const bad = await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body: text + " ", headers: { "x-webhook-signature": `sha256=${sig}` }, user: null });
    expectRefusal(bad, 401, "UNAUTHORIZED");
    expectRefusal(await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body: text, user: null }), 401, "UNAUTHORIZED");
    // Bytes that are not UTF-8, signed as sent: accepted. The same body signed
    // over its decoded text (what a text-based check would compute): refused.
    const enc = new TextEncoder();
    const raw = new Uint8Array([...enc.encode('{"event":"completed","jobId":"b2c4","note":"'), 0xff, 0xfe, ...enc.encode('"}')]);
    const overBytes = await hmacHex(KEYS.apiframe, raw);
    const overText = await hmacHex(KEYS.apiframe, enc.encode(new TextDecoder().decode(raw)));
    const bytes = await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body: raw, headers: { "x-webhook-signature": `sha256=${overBytes}` }, user: null });
    check(bytes.status === 204 && webhooks.at(-1).jobId === "b2c4", `raw bytes: ${bytes.status}`);
    const decoded = await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body: raw, headers: { "x-webhook-signature": `sha256=${overText}` }, user: null });
    expectRefusal(decoded, 401, "UNAUTHORIZED");
    // verifyWebhook takes a string, a Uint8Array or an ArrayBuffer.
    for (const body of [raw, raw.buffer.slice(0)]) {
      check((await edge.verifyWebhook({ provider: "apiframe", apiKey: KEYS.apiframe, body, signature: `sha256=${overBytes}` })) === true, "verifyWebhook over bytes");
      check((await edge.verifyWebhook({ provider: "apiframe", apiKey: KEYS.apiframe, body, signature: `sha256=${overText}` })) === false, "verifyWebhook over text");
    }
    check((await edge.verifyWebhook({ provider: "apiframe", apiKey: KEYS.apiframe, body: text, signature: sig })) === true, "verifyWebhook over a string");
    // A signed event that names no job is refused, and never reaches onWebhook.
    const nameless = JSON.stringify({ event: "completed" });
    const n = webhooks.length;
    const r = await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body: nameless, headers: { "x-webhook-signature": await hmacHex(KEYS.apiframe, enc.encode(nameless)) }, user: null });
    expectRefusal(r, 400, "INVALID_REQUEST");
    check(webhooks.length === n, "no event for a nameless body");
  });

  add("Replicate webhooks: Standard Webhooks verified, one delivery id handed on once, stale ones refused", async () => {
    const secret = REPLICATE_WEBHOOK_SECRET;
    const body = JSON.stringify({ id: "rp1", status: "succeeded", output: ["https://replicate.delivery/x/out-0.webp"] });
    const now = Math.floor(Date.now() / 1000);
    const signed = async (id, ts, text = body, key = secret) => ({
      "webhook-id": id,
      "webhook-timestamp": String(ts),
      "webhook-signature": await standardSignature(key, id, ts, text),
    });
    const post = (headers, text = body) => call(handlers.replicate, "/api/images/webhook", { method: "POST", body: text, headers, user: null });
    const before = webhooks.length;
    const good = await signed("msg_1", now);
    check((await post(good)).status === 204 && webhooks.length === before + 1, "a good delivery");
    same(webhooks.at(-1), { provider: "replicate", jobId: "rp1", event: JSON.parse(body) }, "the webhook event");
    // The same delivery again (a retry): acknowledged, not handed on twice.
    check((await post(good)).status === 204 && webhooks.length === before + 1, "a retry is handed on once");
    // One of several listed signatures may match (a key being rotated).
    const other = await signed("msg_2", now, body, "whsec_b3RoZXIgc2VjcmV0IGtleSBieXRlcw==");
    const rotated = { ...(await signed("msg_2", now)) };
    rotated["webhook-signature"] = `${other["webhook-signature"]} ${rotated["webhook-signature"]}`;
    check((await post(rotated)).status === 204 && webhooks.length === before + 2, "one of several signatures");
    // A changed body, a wrong secret, ten minutes old, no signature: refused, not handed on.
    expectRefusal(await post(await signed("msg_3", now), body + " "), 401, "UNAUTHORIZED");
    expectRefusal(await post(other), 401, "UNAUTHORIZED");
    const old = await post(await signed("msg_4", now - 600));
    expectRefusal(old, 401, "UNAUTHORIZED");
    check(/too old/.test(old.json.error.message), old.text);
    expectRefusal(await post({ "webhook-id": "msg_5", "webhook-timestamp": String(now) }), 401, "UNAUTHORIZED");
    check(webhooks.length === before + 2, "nothing refused was handed on");
    // verifyWebhook agrees, with a Headers object or a plain one.
    const v = (headers, text = body, key = secret) => edge.verifyWebhook({ provider: "replicate", secret: key, body: text, headers });
    check((await v(new Headers(good))) === true && (await v(good)) === true, "verifyWebhook: good");
    check((await v(rotated)) === true, "verifyWebhook: one of several");
    check((await v(good, body + " ")) === false, "verifyWebhook: changed body");
    check((await v(good, body, "whsec_b3RoZXIgc2VjcmV0IGtleSBieXRlcw==")) === false, "verifyWebhook: wrong secret");
    check((await v(await signed("msg_6", now - 600))) === false, "verifyWebhook: ten minutes old");
    // A Replicate route without a usable secret is a setup error; verifyWebhook without one too.
    check(throws(() => make("replicate", { webhookSecret: "not-a-secret" })) === "INVALID_REQUEST", "a bad webhookSecret");
    check(throws(() => edge.verifyWebhook({ provider: "replicate", body, headers: good })) === "INVALID_REQUEST", "no secret");
  });

  add("fal through the route: a token, the status then the result; its webhooks verified with Ed25519 by a JWKS", async () => {
    const h = make("fal");
    const r = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "a lighthouse", quality: "low", aspectRatio: "4:3" } });
    check(r.status === 202 && typeof r.json.token === "string", JSON.stringify(r.json));
    let job;
    for (let i = 0; i < 100; i++) {
      job = (await call(h, `/api/images/jobs/${r.json.token}`)).json;
      if (job.status === "succeeded" || job.status === "failed") break;
      await sleep(50);
    }
    check(job.status === "succeeded" && job.images[0].url && job.cost.exact, JSON.stringify(job));
    check(r.json.estimate.usd >= job.cost.usd, JSON.stringify([r.json.estimate, job.cost]));

    // A key pair of our own, its public half as the route's JWKS; fal's four lines signed with it.
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
    const other = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    const hooked = make("fal", { jwks: { keys: [{ kty: "RSA", n: "x", e: "AQAB" }, { ...jwk, kid: "k1" }] } });
    const body = JSON.stringify({ request_id: "fr1", gateway_request_id: "fr1", status: "OK", payload: { images: [] } });
    const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
    const signed = async (rid, ts, text = body, key = pair.privateKey) => {
      const digest = hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
      const sig = await crypto.subtle.sign({ name: "Ed25519" }, key, new TextEncoder().encode(`${rid}\nuser-1\n${ts}\n${digest}`));
      return { "x-fal-webhook-request-id": rid, "x-fal-webhook-user-id": "user-1", "x-fal-webhook-timestamp": String(ts), "x-fal-webhook-signature": hex(sig) };
    };
    const now = Math.floor(Date.now() / 1000);
    const post = (headers, text = body) => call(hooked, "/api/images/webhook", { method: "POST", body: text, headers, user: null });
    const before = webhooks.length;
    const good = await signed("fr1", now);
    check((await post(good)).status === 204 && webhooks.at(-1).jobId === "fr1" && webhooks.length === before + 1, "a good delivery");
    check((await post(good)).status === 204 && webhooks.length === before + 1, "the same delivery again is handed on once");
    expectRefusal(await post(await signed("fr2", now), body + " "), 401, "UNAUTHORIZED");
    expectRefusal(await post(await signed("fr3", now, body, other.privateKey)), 401, "UNAUTHORIZED");
    expectRefusal(await post(await signed("fr4", now - 600)), 401, "UNAUTHORIZED");
    check(webhooks.length === before + 1, "nothing refused was handed on");
    const v = (headers, text = body, jwks = { keys: [jwk] }) => edge.verifyWebhook({ provider: "fal", body: text, headers, jwks });
    check((await v(good)) === true && (await v(new Headers(good))) === true, "verifyWebhook: good");
    check((await v(good, body + " ")) === false, "verifyWebhook: changed body");
    check((await v(good, body, { keys: [await crypto.subtle.exportKey("jwk", other.publicKey)] })) === false, "verifyWebhook: wrong key");
    check((await v(await signed("fr5", now - 600))) === false, "verifyWebhook: ten minutes old");
    check(throws(() => make("fal", { jwks: { nope: [] } })) === "INVALID_REQUEST", "a jwks that is not one");
  });

  add("3. the allow-list applies to the request as sent: defaults, provider defaults, budget", async () => {
    // No quality sent, Apiframe's default is auto (23 credits): refused, naming it.
    const narrow = make("apiframe", { allow: { values: { quality: ["low", "medium"] } } });
    const left = await call(narrow, "/api/images/generate", { method: "POST", body: { prompt: "x" } });
    expectRefusal(left, 403, "FORBIDDEN");
    const issue = left.json.error.issues[0];
    check(issue.path === "quality" && /`auto`/.test(issue.message), JSON.stringify(issue));
    // With a default, it goes out as low: the provider bills this job 4 credits.
    const h = make("apiframe", { allow: { values: { quality: ["low", "medium"] } }, defaults: { quality: "low" }, maxCostUsd: 0.05 });
    const r = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "a default" } });
    check(r.status === 202 && r.json.estimate.credits === 4, JSON.stringify(r.json));
    let job;
    for (let i = 0; i < 100 && job?.status !== "succeeded"; i++) {
      job = (await call(h, `/api/images/jobs/${r.json.token}`)).json;
      if (job.status !== "succeeded") await sleep(50);
    }
    check(job.status === "succeeded" && job.cost.credits === 4 && job.cost.exact, JSON.stringify(job));
    // The budget sees the same resolved request: medium x2 is 18 credits ($0.18) > $0.05.
    expectRefusal(await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "medium", count: 2 } }), 402, "BUDGET_EXCEEDED");
    // values only for closed sets, checked at setup.
    for (const bad of [{ allow: { values: { prompt: ["a"] } } }, { allow: { values: { quality: ["ultra"] } } }, { allow: { values: { aspectRatio: ["1:1"] } } }, { defaults: { quality: "ultra" } }]) {
      let err;
      try {
        make("apiframe", bad);
      } catch (e) {
        err = e;
      }
      check(err?.code === "INVALID_REQUEST", `${JSON.stringify(bad)}: ${err?.code} ${err?.message}`);
    }
  });

  add("4. the limit hook: go on, 429 with Retry-After, 402, and fail closed", async () => {
    const asked = [];
    const decide = { value: true };
    const h = make("apiframe", { defaults: { quality: "low" }, limit: (q) => { asked.push(q); return typeof decide.value === "function" ? decide.value() : decide.value; } });
    const body = { method: "POST", body: { prompt: "limited" }, user: "carol" };
    check((await call(h, "/api/images/generate", body)).status === 202, "true goes on");
    const q = asked.at(-1);
    check(q.principal === "carol" && q.request.quality === "low" && q.request.prompt === "limited" && q.estimate.credits === 4, JSON.stringify(q));
    decide.value = { retryAfterMs: 2500 };
    const limited = await call(h, "/api/images/generate", body);
    expectRefusal(limited, 429, "RATE_LIMITED");
    check(limited.headers.get("retry-after") === "3", `retry-after ${limited.headers.get("retry-after")}`);
    decide.value = Promise.resolve({ reason: "budget" });
    expectRefusal(await call(h, "/api/images/generate", body), 402, "BUDGET_EXCEEDED");
    const ledger0 = await sb.ledger(KEYS.apiframe);
    for (const odd of [false, undefined, "yes", () => { throw new Error("limiter down"); }]) {
      decide.value = odd;
      expectRefusal(await call(h, "/api/images/generate", body), 500, "INTERNAL");
    }
    check((await sb.ledger(KEYS.apiframe)).jobsCreated === ledger0.jobsCreated, "nothing sent when refused");
  });

  add("7. a 64 KiB body of thousands of keys (or list items) is refused, with a bounded answer", async () => {
    const keys = { prompt: "x" };
    for (let i = 0, size = 0; size < 60 * 1024; i++) {
      keys[`k${i}`] = 1;
      size += `"k${i}":1,`.length;
    }
    const text = JSON.stringify(keys);
    check(text.length <= 64 * 1024 && Object.keys(keys).length > 4000, `${text.length} bytes, ${Object.keys(keys).length} keys`);
    const r = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: text });
    expectRefusal(r, 400, "INVALID_REQUEST");
    check(/more than 64 entries/.test(r.json.error.message) && !r.json.error.issues, JSON.stringify(r.json).slice(0, 300));
    const refs = JSON.stringify({ prompt: "x", references: Array.from({ length: 1000 }, (_, i) => `https://cdn.example.com/${i}.png`) });
    expectRefusal(await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: refs }), 400, "INVALID_REQUEST");
    // Under the bound, unknown fields are listed: 20, then one issue counting the rest.
    const some = Object.fromEntries([["prompt", "x"], ...Array.from({ length: 50 }, (_, i) => [`k${i}`, 1])]);
    const listed = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: some });
    expectRefusal(listed, 400, "INVALID_REQUEST");
    check(listed.json.error.issues.length === 21 && listed.json.error.issues[20].message.startsWith("30 more fields"), JSON.stringify(listed.json.error.issues.at(-1)));
  });

  if (hostileUrl) {
    add("6. a hostile upstream echoing real-length keys leaks no 16 characters of them", async () => {
      const keys = realisticKeys();
      for (const k of Object.values(keys)) seenKeys.add(k);
      const control = async (mode) => {
        const r = await fetch(`${hostileUrl}/__mode`, { method: "POST", body: mode });
        check(r.ok, "hostile control");
      };
      for (const provider of Object.keys(keys)) {
        const h = edge.createRouteHandler({ provider, apiKey: keys[provider], ...SETTINGS[provider], baseUrl: hostileUrl, secret: SECRET, authorize: byUserHeader, maxRetries: 0, onError: (r) => reports.push(r) });
        for (const status of ["400", "401", "403", "429", "500"]) {
          await control(status);
          const r = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x" } });
          check(r.status >= 400, `${provider} ${status}: ${r.status}`);
        }
        if (provider === "apiframe" || provider === "gptimage2ai") {
          // Accepted, then a failed job whose reason and id carry the key.
          await control("job");
          const r = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x" } });
          check(r.status === 202, `${provider} accepted: ${r.status} ${JSON.stringify(r.json)}`);
          const job = await call(h, `/api/images/jobs/${r.json.token}`);
          check(job.status === 200 && job.json.status === "failed", `${provider} poll: ${JSON.stringify(job.json)}`);
        }
        // What the operator is told holds no run of the key either.
        for (const r of reports.splice(0)) check(longestRun(JSON.stringify(r), keys[provider]) < 16, `${provider}: a report: ${JSON.stringify(r).slice(0, 300)}`);
        // ImageClient errors from the same upstream: message, details, handle.
        const c = new edge.ImageClient({ provider, apiKey: keys[provider], ...SETTINGS[provider], baseUrl: hostileUrl, maxRetries: 0 });
        for (const status of ["400", "401", "403", "500"]) {
          await control(status);
          try {
            await c.generate({ prompt: "x" });
            check(false, "no error");
          } catch (e) {
            const text = [e.message, e.stack, JSON.stringify(e), JSON.stringify(e.details ?? null), JSON.stringify(e.handle ?? null), String(e)].join("\n");
            check(longestRun(text, keys[provider]) < 16, `${provider} ${status}: ${longestRun(text, keys[provider])} characters: ${text.slice(0, 400)}`);
          }
        }
      }
    });
  }

  add("event stream (asynchronous provider): accepted with a token, progress, completed as the poll shows it; heartbeats", async () => {
    const h = make("apiframe", { defaults: { quality: "high" }, heartbeatMs: 25 });
    const r = await streamCall(h, { prompt: "a streamed lighthouse" });
    check(r.status === 200 && r.headers.get("cache-control") === "no-store", `${r.status} ${JSON.stringify(r.json ?? null)}`);
    check(/^accepted,(progress,)*completed$/.test(names(r)), names(r));
    const [accepted] = r.events;
    check(typeof accepted.data.token === "string" && accepted.data.estimate.usd === 0.23, JSON.stringify(accepted.data));
    const last = r.events.at(-1).data;
    check(last.status === "succeeded" && last.images.length === 1 && last.images[0].url, JSON.stringify(last));
    for (const e of r.events.slice(1, -1)) check(["queued", "running"].includes(e.data.status) && "progress" in e.data, JSON.stringify(e.data));
    check(r.rest === "", `bytes after the last event: ${JSON.stringify(r.rest)}`);
    // The same job, read again with the token.
    const polled = await call(h, `/api/images/jobs/${accepted.data.token}`);
    same(polled.json, last, "the polled job (as the stream's last)");
    // Never silent: with a 25 ms heartbeat, comments keep coming while the job runs.
    const span = r.events.at(-1).at - accepted.at;
    check(r.comments.length >= Math.floor(span / 25 / 2), `${r.comments.length} heartbeats in ${span} ms`);
    const gaps = r.chunks.slice(1).map((t, i) => t - r.chunks[i]);
    check(Math.max(...gaps) < 25 * 20, `a silence of ${Math.max(...gaps)} ms`);
    // Refused before acceptance: the status and JSON body of any refusal, no stream.
    const bad = await streamCall(h, { prompt: "" });
    check(bad.status === 400 && bad.json.error.code === "INVALID_REQUEST", JSON.stringify(bad.json));
    const nobody = await streamCall(h, { prompt: "x" }, { user: null });
    check(nobody.status === 401, String(nobody.status));
  });

  add("event stream (OpenAI): partial images before the completed job, one job billed", async () => {
    check(throws(() => make("apiframe", { partialImages: 1 })) === "INVALID_REQUEST", "partialImages on Apiframe");
    check(throws(() => make("openai", { partialImages: 4 })) === "INVALID_REQUEST", "partialImages: 4");
    const h = make("openai", { partialImages: 2, heartbeatMs: 25 });
    const ledger0 = await sb.ledger(KEYS.openai);
    const r = await streamCall(h, { prompt: "a streamed lighthouse", quality: "high", size: "1024x1024" });
    check(names(r) === "accepted,partial_image,partial_image,completed", names(r));
    check(r.events[0].data.token === null && r.events[0].data.estimate.usd > 0, JSON.stringify(r.events[0].data));
    const png = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const width = (bytes) => new DataView(bytes.buffer).getUint32(16);
    const [p0, p1, done] = r.events.slice(1).map((e) => e.data);
    check(p0.index === 0 && p1.index === 1 && p0.mimeType === "image/png", JSON.stringify({ ...p0, b64: p0.b64.length }));
    check(done.status === "succeeded" && done.cost.exact && done.images[0].b64, JSON.stringify(done.cost));
    check(width(png(p0.b64)) < width(png(done.images[0].b64)), "a partial image is smaller than the final one");
    const ledger1 = await sb.ledger(KEYS.openai);
    check(ledger1.jobsCharged === ledger0.jobsCharged + 1, JSON.stringify(ledger1));
    // Without the header: today's JSON answer, no partial images.
    const plain = await call(h, "/api/images/generate", { method: "POST", body: { prompt: "plain", quality: "low", size: "1024x1024" } });
    check(plain.status === 200 && plain.json.job.status === "succeeded", String(plain.status));
  });

  add("event stream: errors end the stream with an error event (a failed job, a broken upstream stream)", async () => {
    const h = make("apiframe", { defaults: { quality: "low" }, heartbeatMs: 25 });
    await sb.fault("apiframe", "submit", "fail");
    const failed = await streamCall(h, { prompt: "doomed" });
    check(/^accepted,(progress,)*error$/.test(names(failed)), names(failed));
    const err = failed.events.at(-1).data;
    check(err.status === 422 && err.error.code === "JOB_FAILED" && typeof err.token === "string", JSON.stringify(err));
    check(failed.rest === "", "the stream ended with its last event");
    await sb.fault("openai", "submit", "truncated");
    const o = await streamCall(make("openai", { partialImages: 2 }), { prompt: "cut", quality: "high", size: "1024x1024" });
    check(names(o) === "accepted,partial_image,error", names(o));
    check(o.events.at(-1).data.error.code === "OUTCOME_UNKNOWN" && o.events.at(-1).data.status === 502, JSON.stringify(o.events.at(-1).data));
  });

  add("event stream: a reader that goes away stops the route's polling, not the provider's job", async () => {
    const h = make("apiframe", { defaults: { quality: "high" }, typicalDurationMs: 200 });
    const before = await jobsNow();
    const r = await streamCall(h, { prompt: "walked away" }, { until: (e) => e.event === "accepted" });
    check(r.cancelled && names(r) === "accepted", names(r));
    const after = await jobsNow();
    const id = Object.keys(after).find((k) => !(k in before));
    check(id, "the job was created");
    const polls = (await jobsNow())[id].polls;
    await sleep(1500);
    const later = (await jobsNow())[id];
    check(later.polls === polls, `the route kept polling after the reader left: ${polls} -> ${later.polls}`);
    // The job went on at the provider; the token from \`accepted\` finds it.
    let job;
    for (let i = 0; i < 100; i++) {
      job = (await call(h, `/api/images/jobs/${r.events[0].data.token}`)).json;
      if (job.status === "succeeded") break;
      await sleep(50);
    }
    check(job.status === "succeeded", JSON.stringify(job));
  });

  add("an event stream under an Idempotency-Key: a replay, as JSON or as events, gets the first answer and sends nothing", async () => {
    for (const provider of ["apiframe", "openai"]) {
      const h = make(provider, provider === "apiframe" ? { defaults: { quality: "low" }, heartbeatMs: 25 } : { heartbeatMs: 25 });
      const key = `stream-${crypto.randomUUID()}`;
      const body = provider === "apiframe" ? { prompt: "kept" } : { prompt: "kept", quality: "low", size: "1024x1024" };
      const ledger0 = await sb.ledger(KEYS[provider]);
      const first = await streamCall(h, body, { headers: { "idempotency-key": key } });
      check(first.events.at(-1).event === "completed", `${provider}: ${names(first)}`);
      const token = first.events[0].data.token;
      const json = await call(h, "/api/images/generate", { method: "POST", body, headers: { "idempotency-key": key } });
      check(json.json.token === token && json.json.estimate.usd === first.events[0].data.estimate.usd, `${provider} JSON replay: ${JSON.stringify(json.json).slice(0, 200)}`);
      if (provider === "openai") check(json.status === 200 && json.json.job.images[0].b64 === first.events.at(-1).data.images[0].b64, "the same image");
      const again = await streamCall(h, body, { headers: { "idempotency-key": key } });
      check(names(again).startsWith("accepted") && again.events.at(-1).event === "completed", `${provider} stream replay: ${names(again)}`);
      check(again.events[0].data.token === token, `${provider}: another token`);
      const ledger1 = await sb.ledger(KEYS[provider]);
      check(ledger1.jobsCreated - ledger0.jobsCreated === 1 && ledger1.jobsCharged - ledger0.jobsCharged === 1, `${provider}: ${JSON.stringify(ledger1)}`);
    }
  });

  add("the route refuses to start without a real secret", async () => {
    let code;
    try {
      edge.createRouteHandler({ provider: "apiframe", apiKey: KEYS.apiframe, secret: "short", authorize: byUserHeader });
    } catch (e) {
      code = e.code;
      check(!String(e.message).includes(KEYS.apiframe), "the key in a message");
    }
    check(code === "INVALID_REQUEST", `got ${code}`);
  });

  return list;
}
