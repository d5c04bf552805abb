// The route handler as browsers and providers meet it. Runs in Node and inside
// workerd: it uses only Request/Response, fetch, WebCrypto and the package.
import { KEYS, sandboxControl } from "./scenarios.mjs";

const SECRET = "route-test-secret-0123456789abcdef0123456789";
const ORIGIN = "https://app.example.com";

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function hmacHex(apiKey, body) {
  const enc = new TextEncoder();
  const raw = await crypto.subtle.digest("SHA-256", enc.encode(apiKey));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return Array.from(sig, (b) => b.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function routeScenarios(edge, sandboxUrl) {
  const sb = sandboxControl(sandboxUrl);
  const seenKeys = new Set(Object.values(KEYS));
  const webhooks = [];
  const make = (provider, extra = {}) =>
    edge.createRouteHandler({
      provider,
      apiKey: KEYS[provider],
      baseUrl: sandboxUrl,
      secret: SECRET,
      typicalDurationMs: 300,
      onWebhook: (event) => webhooks.push(event),
      ...extra,
    });
  const handlers = {
    apiframe: make("apiframe", { maxCostUsd: 0.25, allow: { maxCount: 2, values: { quality: ["low", "medium", "high"] } } }),
    openai: make("openai"),
  };
  // Call a handler and scan the whole response for any key.
  const call = async (handler, path, { method = "GET", body, headers = {}, origin } = {}) => {
    const h = new Headers(headers);
    if (origin) h.set("origin", origin);
    if (body !== undefined && !h.has("content-type")) h.set("content-type", "application/json");
    const res = await handler(new Request(`${ORIGIN}${path}`, { method, headers: h, body: typeof body === "object" ? JSON.stringify(body) : body }));
    const text = await res.text();
    const all = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n") + "\n" + text;
    for (const k of seenKeys) check(!all.includes(k), `a response carried a key: ${all.slice(0, 300)}`);
    for (const [name] of res.headers) {
      check(["cache-control", "x-content-type-options", "content-type", "content-length", "access-control-allow-origin", "vary", "allow", "retry-after",
        "access-control-allow-methods", "access-control-allow-headers", "access-control-max-age"].includes(name), `unexpected header ${name}`);
    }
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  };
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

  add("generate on a synchronous provider answers with the job itself", async () => {
    const r = await call(handlers.openai, "/api/images/generate", { method: "POST", body: { prompt: "a lighthouse", quality: "low", size: "1024x1024" } });
    check(r.status === 200 && r.json.token === null && r.json.job.status === "succeeded" && r.json.job.images[0].b64, JSON.stringify(r.json).slice(0, 200));
  });

  add("the caller's Idempotency-Key makes a retried POST the same job", async () => {
    const opts = { method: "POST", body: { prompt: "same job", quality: "low" }, headers: { "idempotency-key": "order-7f3" } };
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const a = await call(handlers.apiframe, "/api/images/generate", opts);
    const b = await call(handlers.apiframe, "/api/images/generate", opts);
    check(a.status === 202 && b.status === 202, "accepted");
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 1 && ledger1.idempotentReplays - ledger0.idempotentReplays === 1, JSON.stringify(ledger1));
  });

  add("400: an invalid request, with its issues; a body that is not JSON", async () => {
    const r = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "", count: 0, model: "x" } });
    expectRefusal(r, 400, "INVALID_REQUEST");
    check(r.json.error.issues.map((i) => i.code).sort().join() === "empty,out_of_range,unknown_field", JSON.stringify(r.json));
    expectRefusal(await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: "not json" }), 400, "INVALID_REQUEST");
    const bad = await call(handlers.apiframe, "/api/images/generate", { method: "POST", body: { prompt: "x" }, headers: { "idempotency-key": "has space" } });
    expectRefusal(bad, 400, "INVALID_REQUEST");
  });

  add("401: the authorize hook refuses (false or a throw)", async () => {
    const no = make("apiframe", { authorize: async () => false });
    expectRefusal(await call(no, "/api/images/generate", { method: "POST", body: { prompt: "x" } }), 401, "UNAUTHORIZED");
    const throws = make("apiframe", { authorize: () => { throw new Error("no session"); } });
    expectRefusal(await call(throws, "/api/images/jobs/abc"), 401, "UNAUTHORIZED");
    const yes = make("apiframe", { authorize: (req) => req.headers.get("authorization") === "Bearer user-1" });
    const ok = await call(yes, "/api/images/generate", { method: "POST", body: { prompt: "x", quality: "low" }, headers: { authorization: "Bearer user-1" } });
    check(ok.status === 202, `authorized: ${ok.status}`);
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
    const other = edge.createRouteHandler({ provider: "apiframe", apiKey: KEYS.apiframe, baseUrl: sandboxUrl, secret: "another-secret-0123456789abcdef0123456789ab" });
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
    const res = await small(new Request(`${ORIGIN}/api/images/generate`, { method: "POST", body: stream, duplex: "half", headers: { "content-type": "application/json" } }));
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
    const h = edge.createRouteHandler({ provider: "apiframe", apiKey: "afk_route_wrong_key_1234", baseUrl: sandboxUrl, secret: SECRET });
    seenKeys.add("afk_route_wrong_key_1234");
    expectRefusal(await call(h, "/api/images/generate", { method: "POST", body: { prompt: "x" } }), 502, "PROVIDER_ERROR");
  });

  add("webhooks: a good signature is 204 and reaches onWebhook; a bad one is 401", async () => {
    const body = JSON.stringify({ event: "completed", jobId: "b2c3", status: "COMPLETED" });
    const sig = await hmacHex(KEYS.apiframe, body);
    const before = webhooks.length;
    const good = await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body, headers: { "x-webhook-signature": `sha256=${sig}` } });
    check(good.status === 204 && webhooks.length === before + 1 && webhooks.at(-1).jobId === "b2c3", `good: ${good.status}`);
    const bad = await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body: body + " ", headers: { "x-webhook-signature": `sha256=${sig}` } });
    expectRefusal(bad, 401, "UNAUTHORIZED");
    expectRefusal(await call(handlers.apiframe, "/api/images/webhook", { method: "POST", body }), 401, "UNAUTHORIZED");
  });

  add("the route refuses to start without a real secret", async () => {
    let code;
    try {
      edge.createRouteHandler({ provider: "apiframe", apiKey: KEYS.apiframe, secret: "short" });
    } catch (e) {
      code = e.code;
      check(!String(e.message).includes(KEYS.apiframe), "the key in a message");
    }
    check(code === "INVALID_REQUEST", `got ${code}`);
  });

  return list;
}
