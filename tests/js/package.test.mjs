// The installed package in Node, used the way its README says.
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { createRequire } from "node:module";
import * as edge from "gpt-image-edge";
import { test } from "./harness.mjs";

const {
  validateRequest,
  estimateCost,
  buildSubmitRequest,
  buildPollRequest,
  parseJob,
  providerInfo,
  verifyWebhook,
  costFromUsage,
} = edge;

test("the package resolves for both import and require in Node", () => {
  const require = createRequire(import.meta.url);
  const cjs = require("gpt-image-edge");
  assert.equal(typeof cjs.validateRequest, "function");
  assert.deepEqual(cjs.validateRequest("openai", { prompt: "x" }), validateRequest("openai", { prompt: "x" }));
});

test("validateRequest reports every problem at once", () => {
  const r = validateRequest("apiframe", {
    prompt: "",
    count: 11,
    aspect_ratio: "1:1",
    references: ["https://ok.example.com/a.png", "http://10.0.0.1/a.png"],
  });
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.errors.map((e) => [e.path, e.code]).sort(),
    [["aspect_ratio", "unknown_field"], ["count", "out_of_range"], ["prompt", "empty"], ["references[1]", "insecure_url"]],
  );
  for (const e of r.errors) assert.ok(e.message.length > 10, e.message);
});

test("unsupported fields warn, or fail when strict", () => {
  const loose = validateRequest("gptimage2ai", { prompt: "x", quality: "high" });
  assert.equal(loose.ok, true);
  assert.deepEqual(loose.warnings.map((w) => w.code), ["unsupported"]);
  const strict = validateRequest("gptimage2ai", { prompt: "x", quality: "high" }, { strict: true });
  assert.equal(strict.ok, false);
});

test("estimateCost pins the published prices", () => {
  assert.equal(estimateCost("apiframe", { prompt: "x", quality: "medium", count: 4 }).usd, 0.36);
  assert.equal(estimateCost("apiframe", { prompt: "x", quality: "high" }, { plan: "growth" }).usd, 0.08809);
  assert.equal(estimateCost("getimg", { prompt: "x", resolution: "2K", count: 3 }).usd, 0.36);
  const g2 = estimateCost("gptimage2ai", { prompt: "x", count: 2 });
  assert.deepEqual([g2.credits, g2.usd], [20, null]);
  assert.equal(estimateCost("gptimage2ai", { prompt: "x", count: 2 }, { creditPriceUsd: 0.01 }).usd, 0.2);
  const oa = estimateCost("openai", { prompt: "a cat", quality: "low", size: "1024x1024" });
  assert.deepEqual([oa.usd, oa.exact], [0.00601, false]);
  assert.equal(costFromUsage("openai", { input_tokens: 50, output_tokens: 7033, input_tokens_details: { text_tokens: 50, image_tokens: 0 } }).usd, 0.21124);
});

test("estimateCost throws a coded error for an invalid request", () => {
  assert.throws(
    () => estimateCost("openai", { prompt: "x", size: "1000x1000" }),
    (e) => e instanceof Error && e.name === "GptImageError" && e.code === "INVALID_REQUEST" && e.issues[0].code === "out_of_range",
  );
});

test("validateRequest and estimateCost: every answer the one-text crossing can give", () => {
  // A key holding the flat answer's separator: the whole result comes back as JSON.
  const odd = validateRequest("apiframe", { prompt: "x", "a\x1fb": 1 });
  assert.deepEqual(odd.errors.map((e) => [e.path, e.code]), [["a\x1fb", "unknown_field"]]);
  // Valid with a warning: the warning, and ok.
  assert.deepEqual(validateRequest("gptimage2ai", { prompt: "x", background: "opaque" }).warnings.map((w) => [w.path, w.code]), [["background", "unsupported"]]);
  // No such provider, or not a string: an issue, never a throw.
  for (const provider of ["nope", 7, undefined, { toString: () => "apiframe" }]) {
    const r = validateRequest(provider, { prompt: "x" });
    assert.deepEqual([r.ok, r.errors[0].path, r.errors[0].code], [false, "provider", "not_allowed"], String(provider));
    assert.throws(() => estimateCost(provider, { prompt: "x" }), (e) => e.code === "INVALID_REQUEST" && e.issues[0].path === "provider");
  }
  // A value no request can be: refused by size or shape, not walked.
  const circular = { prompt: "x" };
  circular.self = circular;
  assert.equal(validateRequest("apiframe", circular).errors[0].code, "too_many");
  assert.throws(() => estimateCost("apiframe", circular), (e) => e.code === "INVALID_REQUEST" && /nested too deeply/.test(e.message));
  // Options are checked as before: a bad one throws, naming it.
  assert.throws(() => validateRequest("apiframe", { prompt: "x", quality: "ultra" }, { strict: "yes" }), (e) => e.code === "INVALID_REQUEST" && /strict/.test(e.message));
  assert.throws(() => estimateCost("apiframe", { prompt: "x" }, { plan: "gold" }), (e) => e.code === "INVALID_REQUEST" && /plan/.test(e.message));
  // Bytes become data URLs before they cross (OpenAI takes them; Apiframe needs URLs).
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(validateRequest("openai", { prompt: "x", references: [png] }).errors.map((e) => e.path), []);
  assert.equal(estimateCost("openai", { prompt: "x", references: [png.buffer] }).exact, false);
  // Text that needs escapes crosses intact (quotes, backslashes, controls, lone surrogates, emoji).
  const prompt = 'say "hi" \\ \u0001 \ud800 \u{1f600} é';
  const long = validateRequest("apiframe", { prompt: prompt.repeat(300) });
  assert.equal(long.errors[0].code, "too_long");
  // Any text crosses intact both ways: an unknown key comes back as the issue's path.
  const keys = ['q"uo\\te', "tab\tnl\nnul\u0000", "\u2028\u2029", "é日本\u{1f600}", "</script>", "a".repeat(3000), "\x7f\u0080\uffff"];
  for (const key of keys) {
    const r = validateRequest("apiframe", { prompt: "x", [key]: 1 });
    assert.deepEqual(r.errors.map((e) => [e.path, e.code]), [[key, "unknown_field"]], JSON.stringify(key));
  }
  // A lone surrogate is not text Rust can hold: it arrives as U+FFFD.
  assert.equal(validateRequest("apiframe", { prompt: "x", "a\ud800b": 1 }).errors[0].path, "a\ufffdb");
  // Counted in UTF-16 units, as JavaScript's length (the lone surrogate is one).
  assert.match(long.errors[0].message, new RegExp(`has ${prompt.length * 300} characters`));
  const cost = estimateCost("openai", { prompt, quality: "low", size: "1024x1024" });
  assert.equal(cost.exact, false);
});

test("buildSubmitRequest writes each provider's wire format", () => {
  const r = buildSubmitRequest("apiframe", { prompt: "cat", quality: "low", references: ["https://cdn.example.com/a.png"] }, { apiKey: "afk_x", idempotencyKey: "k1" });
  assert.equal(r.url, "https://api.apiframe.ai/v2/images/generate");
  assert.equal(r.headers["X-API-Key"], "afk_x");
  assert.equal(r.headers["Idempotency-Key"], "k1");
  assert.deepEqual(JSON.parse(r.body), {
    model: "gpt-image-2",
    prompt: "cat",
    gptImage2Params: { quality: "low", input_images: ["https://cdn.example.com/a.png"] },
  });
  const local = buildSubmitRequest("openai", { prompt: "cat" }, { apiKey: "sk-x", baseUrl: "http://127.0.0.1:4010" });
  assert.equal(local.url, "http://127.0.0.1:4010/v1/images/generations");
  assert.equal(local.headers.Authorization, "Bearer sk-x");
  const edit = buildSubmitRequest("openai", { prompt: "hat", references: ["https://cdn.example.com/a.png"] }, { apiKey: "sk-x" });
  assert.equal(edit.url, "https://api.openai.com/v1/images/edits");
  assert.equal(edit.form, "json-edit");
  assert.deepEqual(JSON.parse(edit.body).images, [{ image_url: "https://cdn.example.com/a.png" }]);
  const wide = buildSubmitRequest("openai", { prompt: "hat", references: ["https://cdn.example.com/a.png"], mask: "https://cdn.example.com/m.png", size: "1536x864" }, { apiKey: "sk-x" });
  assert.equal(wide.form, "multipart");
  assert.deepEqual(wide.multipart.files, [{ name: "image[]", url: "https://cdn.example.com/a.png" }, { name: "mask", url: "https://cdn.example.com/m.png" }]);
  assert.equal(buildSubmitRequest("getimg", { prompt: "x", count: 3 }, { apiKey: "gi" }).calls, 3);
  const poll = buildPollRequest("gptimage2ai", "job-1", { apiKey: "g2" });
  assert.equal(poll.url, "https://gptimage2.ai/api/generate/job-1");
});

test("parseJob reads answers and throws coded errors", () => {
  const url = "https://cdn2.apiframe.ai/images/a.webp";
  for (const result of [url, [url], { images: [url] }]) {
    const job = parseJob("apiframe", 200, { id: "j", status: "COMPLETED", creditCost: 9, result });
    assert.equal(job.status, "succeeded");
    assert.equal(job.images[0].url, url);
    assert.equal(job.cost.usd, 0.09);
  }
  const text = parseJob("gptimage2ai", 202, '{"jobId":"g","status":"running"}');
  assert.equal(text.status, "running");
  assert.throws(() => parseJob("apiframe", 402, { error: "Insufficient credits", creditsRequired: 23, creditsAvailable: 4 }), (e) => e.code === "INSUFFICIENT_CREDITS" && e.details.creditsRequired === 23);
  assert.throws(() => parseJob("getimg", 503, "<html>down</html>", { retryAfter: "5" }), (e) => e.code === "PROVIDER_ERROR" && e.retryable && e.retryAfterMs === 5000);
});

test("providerInfo describes every provider", () => {
  const info = providerInfo();
  assert.deepEqual(Object.keys(info), ["apiframe", "gptimage2ai", "getimg", "openai", "azure", "openrouter", "replicate", "fal"]);
  assert.deepEqual(info.apiframe.aspectRatios, ["1:1", "3:2", "2:3"]);
  // Azure: a deployment to name, two APIs, no shared root, no partial images.
  assert.deepEqual(info.azure.settings.map((s) => [s.name, s.required, s.default]), [["deployment", true, null], ["apiVersion", false, "2025-04-01-preview"]]);
  assert.deepEqual(info.azure.surfaces.map((s) => s.id), ["deployments", "v1"]);
  assert.equal(info.azure.baseUrlRequired, true);
  assert.equal(info.azure.partialImages, false);
  assert.deepEqual(info.azure.size.only, ["1024x1024", "1536x1024", "1024x1536"]);
  assert.deepEqual(info.azure.surfaces[1].outputFormats, ["png", "jpeg", "webp"]);
  // OpenRouter: partial images over its stream, as many as it sends.
  assert.equal(info.openrouter.partialImages, true);
  assert.equal(info.openrouter.partialImagesCounted, false);
  assert.equal(info.openrouter.referencesMax, 16);
  assert.deepEqual(info.gptimage2ai.count, { min: 1, max: 4 });
  assert.equal(info.getimg.referencesMax, 10);
  assert.equal(info.openai.size.maxEdge, 3840);
});

test("verifyWebhook agrees with an independent HMAC (node:crypto)", async () => {
  const apiKey = "afk_live_123";
  const body = JSON.stringify({ event: "completed", jobId: "b2c3", status: "COMPLETED" });
  const key = createHash("sha256").update(apiKey).digest();
  const signature = "sha256=" + createHmac("sha256", key).update(body).digest("hex");
  assert.equal(await verifyWebhook({ provider: "apiframe", apiKey, body, signature }), true);
  assert.equal(await verifyWebhook({ provider: "apiframe", apiKey, body: new TextEncoder().encode(body), signature }), true);
  assert.equal(await verifyWebhook({ provider: "apiframe", apiKey, body: body + " ", signature }), false);
  assert.equal(await verifyWebhook({ provider: "apiframe", apiKey: "afk_other", body, signature }), false);
  assert.equal(await verifyWebhook({ provider: "apiframe", apiKey, body, signature: null }), false);
});
