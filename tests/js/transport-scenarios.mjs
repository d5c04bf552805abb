// The open design as a user meets it: any endpoint a base URL away (a gateway's
// path prefix and its headers), a user's own fetch carrying every request, the
// model a choice, and one error class. Runs in Node (transport-node.test.mjs)
// and inside workerd (worker-transport.mjs).
import { KEYS, sandboxControl } from "./scenarios.mjs";
import { check, same } from "./check.mjs";

export const GATEWAY_PREFIX = "/v1/acct-1/gw-1/openai";
export const GATEWAY_TOKEN = "Bearer cf-gateway-token-0123456789";
const METADATA = '{"user":"alice","team":"design"}';
const SECRET = "transport-test-secret-0123456789abcdef0123";

/** The error `fn` throws or rejects with (undefined when none). */
async function caught(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

export function transportScenarios(edge, sandboxUrl, gatewayUrl) {
  const sb = sandboxControl(sandboxUrl);
  const gatewayLog = async () => (await fetch(`${gatewayUrl}/__log`)).json();
  const list = [];
  const add = (name, run) => list.push({ name, run });

  add("OpenAI through a gateway-shaped base URL: every request under its prefix, with its headers; the key as OpenAI's own auth", async () => {
    await gatewayLog();
    const headers = { "cf-aig-authorization": GATEWAY_TOKEN, "cf-aig-metadata": METADATA };
    const baseUrl = `${gatewayUrl}${GATEWAY_PREFIX}`;
    const client = new edge.ImageClient({ provider: "openai", apiKey: KEYS.openai, baseUrl, headers });
    const job = await client.generate({ prompt: "a lighthouse through a gateway", quality: "low", size: "1024x1024" });
    check(job.status === "succeeded" && job.images[0].b64, JSON.stringify(job).slice(0, 200));
    same(JSON.parse(JSON.stringify(client)), { provider: "openai", baseUrl }, "the client as JSON");
    // The route, the same way.
    const route = edge.createRouteHandler({ provider: "openai", apiKey: KEYS.openai, baseUrl, headers, secret: SECRET, public: true, onError: () => {} });
    const r = await route(new Request("http://localhost/api/images/generate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "x", quality: "low", size: "1024x1024" }) }));
    check(r.status === 200, `route: ${r.status} ${await r.text()}`);
    const log = await gatewayLog();
    check(log.length === 2, `${log.length} requests: ${JSON.stringify(log)}`);
    for (const entry of log) {
      check(entry.path === `${GATEWAY_PREFIX}/images/generations`, entry.path);
      check(entry.gatewayAuthorization === GATEWAY_TOKEN && entry.metadata === METADATA, JSON.stringify(entry));
      check(entry.authorization === `Bearer ${KEYS.openai}`, `the key went as ${entry.authorization}`);
    }
  });

  add("a user's fetch carries every request of a generate: the submit and each poll", async () => {
    const seen = [];
    const counting = (request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    };
    const client = new edge.ImageClient({ provider: "apiframe", apiKey: KEYS.apiframe, baseUrl: sandboxUrl, fetch: counting, typicalDurationMs: 100 });
    const before = (await sb.stats()).jobs;
    const job = await client.generate({ prompt: "counted", quality: "low" });
    check(job.status === "succeeded", JSON.stringify(job));
    const stats = (await sb.stats()).jobs;
    const id = Object.keys(stats).find((k) => !(k in before));
    const polls = seen.filter((s) => s.startsWith("GET /v2/jobs/"));
    check(seen[0] === "POST /v2/images/generate" && seen.filter((s) => s.startsWith("POST")).length === 1, seen.join(", "));
    check(polls.length === stats[id].polls && polls.length >= 1 && seen.length === 1 + polls.length, `${seen.length} through fetch, the sandbox counted 1 submit and ${stats[id].polls} polls: ${seen.join(", ")}`);
    // A reference download goes through it too (an OpenAI edit uploaded as multipart).
    const made = await new edge.ImageClient({ provider: "getimg", apiKey: KEYS.getimg, baseUrl: sandboxUrl }).generate({ prompt: "a reference" });
    seen.length = 0;
    const openai = new edge.ImageClient({ provider: "openai", apiKey: KEYS.openai, baseUrl: sandboxUrl, fetch: counting });
    await openai.generate({ prompt: "edit", quality: "low", size: "1152x864", references: [made.images[0].url] });
    check(seen.length === 2 && seen[0].startsWith("GET /sandbox/images/") && seen[1] === "POST /v1/images/edits", seen.join(", "));
  });

  add("setup refuses headers that replace the provider's auth, and base URLs with credentials, a query or a fragment", async () => {
    const base = { provider: "openai", apiKey: KEYS.openai };
    for (const [what, options, named] of [
      ["Authorization", { headers: { Authorization: "Bearer other" } }, "Authorization"],
      ["authorization (any case)", { headers: { authorization: "Bearer other" } }, "authorization"],
      ["Apiframe's X-API-Key", { provider: "apiframe", apiKey: KEYS.apiframe, headers: { "x-api-key": "other" } }, "x-api-key"],
      ["Content-Type", { headers: { "Content-Type": "text/plain" } }, "Content-Type"],
      ["credentials", { baseUrl: "https://user:pass@gateway.example.com/v1" }, "credentials"],
      ["a query", { baseUrl: "https://gateway.example.com/v1?key=x" }, "query"],
      ["a fragment", { baseUrl: "https://gateway.example.com/v1#x" }, "fragment"],
      ["a header value that is not a string", { headers: { "x-count": 3 } }, "headers"],
    ]) {
      for (const make of [(o) => new edge.ImageClient(o), (o) => edge.createRouteHandler({ ...o, secret: SECRET, public: true })]) {
        const e = await caught(() => make({ ...base, ...options }));
        check(e instanceof edge.GptImageError && e.code === "INVALID_REQUEST", `${what}: ${e?.code} ${e?.message}`);
        check(e.message.includes(named), `${what}: the message does not name it: ${e.message}`);
        check(!e.message.includes("Bearer other"), `${what}: a header value in the message`);
      }
    }
    // A header that is neither: sent (see the gateway scenario).
    check(new edge.ImageClient({ ...base, headers: { "x-trace-id": "abc" } }).provider === "openai", "an extra header");
  });

  add("the model is a choice: OpenAI's five, a newer gpt-image id with a warning, others refused naming the models", async () => {
    const models = edge.providerInfo().openai.models.map((m) => m.id);
    same(models, ["gpt-image-2", "gpt-image-2-2026-04-21", "gpt-image-2.5-flare", "gpt-image-2.5-sunburst", "gpt-image-2.6-sunburst"], "the models");
    const v = (provider, model) => edge.validateRequest(provider, { prompt: "a cat", model });
    const flare = v("openai", "gpt-image-2.5-flare");
    check(flare.ok && flare.warnings.length === 0, JSON.stringify(flare));
    const newer = v("openai", "gpt-image-9");
    check(newer.ok && newer.warnings.length === 1 && newer.warnings[0].path === "model" && newer.warnings[0].code === "unlisted_model", JSON.stringify(newer));
    for (const [provider, model] of [["openai", "dall-e-3"], ["apiframe", "gpt-image-2.5-flare"]]) {
      const r = v(provider, model);
      check(!r.ok && r.errors[0].path === "model" && r.errors[0].message.includes("gpt-image-2"), `${provider} ${model}: ${JSON.stringify(r)}`);
    }
    // A 2.5 model's own values: xhigh, which gpt-image-2 has not.
    check(edge.validateRequest("openai", { prompt: "x", model: "gpt-image-2.5-sunburst", quality: "xhigh" }).ok, "xhigh on 2.5");
    check(!edge.validateRequest("openai", { prompt: "x", quality: "xhigh" }).ok, "xhigh on gpt-image-2");
    // Priced, and sent.
    const cost = edge.estimateCost("openai", { prompt: "a cat", model: "gpt-image-2.5-flare", quality: "high", size: "1024x1024" });
    check(cost.usd > 0.2 && !cost.exact, JSON.stringify(cost));
    const bodies = [];
    const client = new edge.ImageClient({
      provider: "openai",
      apiKey: KEYS.openai,
      baseUrl: sandboxUrl,
      fetch: async (request) => {
        bodies.push(JSON.parse(await request.clone().text()));
        return fetch(request);
      },
    });
    const job = await client.generate({ prompt: "a flare", model: "gpt-image-2.5-flare", quality: "low", size: "1024x1024" });
    check(job.status === "succeeded" && job.cost.exact, JSON.stringify(job.cost));
    check(bodies.length === 1 && bodies[0].model === "gpt-image-2.5-flare", JSON.stringify(bodies));
  });

  add("one error class: validation, client and route setup errors are all instances of GptImageError", async () => {
    const invalid = await caught(() => edge.estimateCost("openai", { prompt: "" }));
    const budget = await caught(() => new edge.ImageClient({ provider: "apiframe", apiKey: KEYS.apiframe, baseUrl: sandboxUrl }).generate({ prompt: "x", quality: "high" }, { maxCostUsd: 0.01 }));
    const refused = await caught(() => new edge.ImageClient({ provider: "apiframe", apiKey: "afk_wrong_key_0123456789", baseUrl: sandboxUrl, maxRetries: 0 }).generate({ prompt: "x" }));
    const setup = await caught(() => edge.createRouteHandler({ provider: "apiframe", apiKey: KEYS.apiframe }));
    const unknown = await caught(() => edge.estimateCost("midjourney", { prompt: "x" }));
    for (const [what, e, code] of [
      ["validation", invalid, "INVALID_REQUEST"],
      ["the budget", budget, "BUDGET_EXCEEDED"],
      ["the provider's refusal", refused, "UNAUTHORIZED"],
      ["route setup", setup, "INVALID_REQUEST"],
      ["an unknown provider", unknown, "INVALID_REQUEST"],
    ]) {
      check(e instanceof edge.GptImageError && e instanceof Error, `${what}: not a GptImageError: ${e}`);
      check(e.name === "GptImageError" && e.code === code, `${what}: ${e.name} ${e.code}`);
      check(typeof e.stack === "string" && e.stack.includes(e.message.slice(0, 20)), `${what}: no stack`);
    }
    check(invalid.issues[0].path === "prompt", JSON.stringify(invalid.issues));
  });

  return list;
}
