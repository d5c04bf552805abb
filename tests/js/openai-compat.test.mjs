// The route as OpenAI's Images API (`openaiCompatible: true`), called by OpenAI's own
// clients, pinned from the registry and not modified, against the sandbox: openai-node
// and @ai-sdk/openai, the route behind node:http on loopback.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createOpenAI } from "@ai-sdk/openai";
import { generateImage } from "ai";
import * as edge from "gpt-image-edge/route";
import OpenAI, { toFile } from "openai";
import { after, test } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";
import { KEYS, setup } from "./scenarios.mjs";

const sandbox = await startSandbox(["--time-scale", "0.01"]);
const SECRET = "openai-compat-secret-0123456789abcdef0123";
const TOKEN = "user-token-alice";

/** The route behind node:http, as a plain Node server serves it. */
async function serve(handler) {
  const server = createServer(async (req, res) => {
    const url = `http://${req.headers.host}${req.url}`;
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : req;
    const response = await handler(new Request(url, { method: req.method, headers: req.headers, body, duplex: "half" }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  after(() => new Promise((ok) => server.close(ok)));
  return `http://127.0.0.1:${server.address().port}`;
}

/** A route fronting `provider`, whose callers present their own bearer token (never a provider key). */
async function routeFor(provider, extra = {}) {
  const handler = edge.createRouteHandler({
    ...setup(provider),
    baseUrl: sandbox.url,
    secret: SECRET,
    openaiCompatible: true,
    typicalDurationMs: 300,
    maxBodyBytes: 8 * 1024 * 1024,
    authorize: (request) => (request.headers.get("authorization") === `Bearer ${TOKEN}` ? "alice" : null),
    onError: () => {},
    ...extra,
  });
  return `${await serve(handler)}/api/images/v1`;
}

const PNG = (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const client = (baseURL, apiKey = TOKEN) => new OpenAI({ apiKey, baseURL, maxRetries: 0 });

for (const provider of ["apiframe", "gptimage2ai", "getimg", "openai"]) {
  test(`openai-node images.generate returns b64_json image bytes in front of ${provider}`, async () => {
    const openai = client(await routeFor(provider));
    const size = provider === "getimg" ? undefined : "1024x1024";
    const r = await openai.images.generate({ model: "gpt-image-2", prompt: "A lighthouse at dusk", quality: provider === "gptimage2ai" || provider === "getimg" ? undefined : "low", size });
    assert.equal(r.data.length, 1);
    const bytes = Buffer.from(r.data[0].b64_json, "base64");
    assert.ok(bytes.length > 1000, `${bytes.length} bytes`);
    assert.ok(typeof r.created === "number" && r.created > 1_700_000_000, String(r.created));
  });
}

test("openai-node: an edit with an image and a mask (multipart) returns an image", async () => {
  // Images from callers are the owner's choice: the default allow-list leaves them out (403).
  const refused = client(await routeFor("openai"));
  const tiny = await toFile(Buffer.from("not even an image"), "x.png", { type: "image/png" });
  await assert.rejects(refused.images.edit({ model: "gpt-image-2", prompt: "x", image: tiny }), (e) => e instanceof OpenAI.PermissionDeniedError);
  const fields = ["prompt", "model", "references", "mask", "quality", "size", "background", "outputFormat", "count"];
  const openai = client(await routeFor("openai", { allow: { fields, references: true } }));
  const photo = await openai.images.generate({ model: "gpt-image-2", prompt: "a hat", quality: "low", size: "1024x1024" });
  // A transparent PNG (RGBA) of the same size serves as the mask.
  const sticker = await openai.images.generate({ model: "gpt-image-2", prompt: "a disc", quality: "low", size: "1024x1024", background: "transparent", output_format: "png" });
  const image = Buffer.from(photo.data[0].b64_json, "base64");
  const mask = Buffer.from(sticker.data[0].b64_json, "base64");
  assert.equal(mask[25], 6, "the mask is RGBA");
  const r = await openai.images.edit({
    model: "gpt-image-2",
    prompt: "make the hat blue",
    image: await toFile(image, "hat.png", { type: "image/png" }),
    mask: await toFile(mask, "mask.png", { type: "image/png" }),
    quality: "low",
    size: "1024x1024",
  });
  assert.ok(PNG(Buffer.from(r.data[0].b64_json, "base64")));
});

test("openai-node: errors are OpenAI's: an empty prompt is BadRequestError at param prompt; a refused token AuthenticationError", async () => {
  const base = await routeFor("openai");
  await assert.rejects(client(base).images.generate({ model: "gpt-image-2", prompt: "" }), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.param, "prompt");
    return true;
  });
  await assert.rejects(client(base, "someone-else").images.generate({ model: "gpt-image-2", prompt: "x" }), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError, `${e.constructor.name}: ${e.message}`);
    return true;
  });
  // What the provider cannot do is a 400 naming the parameter, never a silent drop.
  const apiframe = client(await routeFor("apiframe"));
  await assert.rejects(apiframe.images.generate({ model: "gpt-image-2", prompt: "x", size: "1792x1024" }), (e) => e instanceof OpenAI.BadRequestError && e.param === "size");
  await assert.rejects(apiframe.images.generate({ model: "gpt-image-2", prompt: "x", input_fidelity: "high" }), (e) => e instanceof OpenAI.BadRequestError && e.param === "input_fidelity");
  // The owner's budget is reported as OpenAI reports quota.
  const capped = client(await routeFor("openai", { maxCostUsd: 0.001 }));
  await assert.rejects(capped.images.generate({ model: "gpt-image-2", prompt: "x", quality: "high" }), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.code, "insufficient_quota");
    return true;
  });
  // The key of the provider never reaches the caller.
  assert.ok(!JSON.stringify(await client(base).models.list()).includes(KEYS.openai));
});

test("openai-node: models.list() names the models the fronted provider sells", async () => {
  const ids = [];
  for await (const m of client(await routeFor("openai")).models.list()) ids.push(m.id);
  assert.ok(ids.includes("gpt-image-2"), ids.join());
  const apiframe = [];
  for await (const m of client(await routeFor("apiframe")).models.list()) apiframe.push(m.id);
  assert.deepEqual(apiframe, ["gpt-image-2"]);
});

test("@ai-sdk/openai with baseURL set to the route: generateImage with n: 2 returns two images", async () => {
  const provider = createOpenAI({ apiKey: TOKEN, baseURL: await routeFor("openai") });
  const r = await generateImage({ model: provider.image("gpt-image-2"), prompt: "two kites", n: 2, size: "1024x1024", providerOptions: { openai: { quality: "low" } } });
  assert.equal(r.images.length, 2);
  assert.ok(r.images.every((i) => PNG(i.uint8Array)));
});

test("openai-node: stream: true with partial_images: 2 yields two partial images, then the image with its usage", async () => {
  const openai = client(await routeFor("openai", { partialImages: 2 }));
  const stream = await openai.images.generate({ model: "gpt-image-2", prompt: "a kite", quality: "low", size: "1024x1024", stream: true, partial_images: 2 });
  const events = [];
  for await (const event of stream) events.push(event);
  const types = events.map((e) => e.type);
  assert.deepEqual(types, ["image_generation.partial_image", "image_generation.partial_image", "image_generation.completed"]);
  assert.deepEqual(events.slice(0, 2).map((e) => e.partial_image_index), [0, 1]);
  const done = events[2];
  assert.ok(PNG(Buffer.from(done.b64_json, "base64")));
  assert.ok(done.usage.output_tokens > 0 && done.usage.total_tokens === done.usage.input_tokens + done.usage.output_tokens, JSON.stringify(done.usage));
  // More partial images than the route allows, or any where the provider sends none: 400 naming it.
  await assert.rejects(openai.images.generate({ model: "gpt-image-2", prompt: "x", stream: true, partial_images: 3 }), (e) => e instanceof OpenAI.BadRequestError && e.param === "partial_images");
  const apiframe = client(await routeFor("apiframe"));
  await assert.rejects(apiframe.images.generate({ model: "gpt-image-2", prompt: "x", stream: true, partial_images: 1 }), (e) => e instanceof OpenAI.BadRequestError && e.param === "partial_images");
  // A job-based provider streams too: keep-alive comments while it runs, then the image.
  const jobs = [];
  for await (const event of await apiframe.images.generate({ model: "gpt-image-2", prompt: "a kite", quality: "low", stream: true })) jobs.push(event);
  assert.deepEqual(jobs.map((e) => e.type), ["image_generation.completed"]);
  assert.ok(Buffer.from(jobs[0].b64_json, "base64").length > 1000);
});

test("the openai Python package: generate returns image bytes; an empty prompt raises BadRequestError", async () => {
  const python = `${process.env.REPO}/.tmp/py/bin/python`;
  const base = await routeFor("openai");
  const { execFile } = await import("node:child_process");
  const stdout = await new Promise((resolve, reject) =>
    execFile(python, [`${process.env.REPO}/tests/python/openai_client.py`, base, TOKEN], { timeout: 60_000 }, (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out))),
  );
  const seen = JSON.parse(stdout.trim().split("\n").at(-1));
  assert.equal(seen.version, "3.57.0");
  assert.ok(seen.png && seen.bytes > 1000, stdout);
  assert.equal(seen.empty_prompt, "BadRequestError");
  assert.equal(seen.param, "prompt");
});

test("openai-node: limit's refusal is a RateLimitError with Retry-After; an Idempotency-Key makes a retry the same job", async () => {
  const limited = client(await routeFor("openai", { limit: () => ({ retryAfterMs: 7000 }) }));
  await assert.rejects(limited.images.generate({ model: "gpt-image-2", prompt: "x", quality: "low", size: "1024x1024" }), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.headers.get("retry-after"), "7");
    return true;
  });
  const before = await sandbox.ledger(KEYS.openai);
  const openai = client(await routeFor("openai"));
  const body = { model: "gpt-image-2", prompt: "one job", quality: "low", size: "1024x1024" };
  // openai-node sends no Idempotency-Key of its own: a request option carries it.
  const a = await openai.images.generate(body, { headers: { "Idempotency-Key": "order-42" } });
  const b = await openai.images.generate(body, { headers: { "Idempotency-Key": "order-42" } });
  assert.equal(a.data[0].b64_json, b.data[0].b64_json);
  const after = await sandbox.ledger(KEYS.openai);
  assert.equal(after.jobsCharged - before.jobsCharged, 1, "billed once");
});

test("openai-node: a JSON edit with image URLs; response_format url where the provider hosts images, refused where it does not", async () => {
  const fields = ["prompt", "model", "references", "quality", "size", "count"];
  const apiframe = client(await routeFor("apiframe", { allow: { fields, references: true } }));
  const hosted = await apiframe.images.generate({ model: "gpt-image-2", prompt: "a kite", quality: "low", response_format: "url" });
  assert.match(hosted.data[0].url, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/images\//);
  // OpenAI's JSON edit: images by URL (here the sandbox's own).
  const edited = await apiframe.post("/images/edits", { body: { model: "gpt-image-2", prompt: "make it blue", images: [{ image_url: hosted.data[0].url }], quality: "low" } });
  assert.ok(Buffer.from(edited.data[0].b64_json, "base64").length > 1000);
  const openai = client(await routeFor("openai"));
  await assert.rejects(openai.images.generate({ model: "gpt-image-2", prompt: "x", response_format: "url" }), (e) => e instanceof OpenAI.BadRequestError && e.param === "response_format");
});
