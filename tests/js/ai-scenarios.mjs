// generateImage from the `ai` package through gpt-image-edge/ai, against the
// sandbox. Runs in Node and inside workerd (bundled like a Worker).
import { generateImage } from "ai";
import { createGptImage } from "gpt-image-edge/ai";
import { KEYS, sandboxControl, setup } from "./scenarios.mjs";
import { check } from "./check.mjs";

const PNG = (b) => b[0] === 0x89 && b[1] === 0x50;

export function aiScenarios(sandboxUrl) {
  const sb = sandboxControl(sandboxUrl);
  const model = (provider, extra = {}) =>
    createGptImage({ ...setup(provider), baseUrl: sandboxUrl, typicalDurationMs: 300, ...extra }).image("gpt-image-2");
  const list = [];
  const add = (name, run) => list.push({ name, run: async () => { try { await run(); } finally { await sb.clearFaults(); } } });

  for (const [provider, n, per] of [["apiframe", 3, 10], ["gptimage2ai", 6, 4], ["getimg", 3, 1], ["openai", 2, 10], ["azure", 2, 10], ["openrouter", 2, 10], ["replicate", 2, 10], ["fal", 5, 4]]) {
    add(`${provider}: generateImage n=${n} (${per} per call), images as bytes, cost in providerMetadata`, async () => {
      const m = model(provider);
      check(m.specificationVersion === "v4" && m.provider === `gpt-image-edge.${provider}` && m.maxImagesPerCall === per, JSON.stringify(m));
      const sized = provider === "openai" || provider === "azure";
      const options = sized ? { quality: "low", size: "1024x1024" } : ["apiframe", "openrouter", "replicate", "fal"].includes(provider) ? { quality: "low" } : {};
      const r = await generateImage({ model: m, prompt: "A lighthouse at dusk", n, aspectRatio: sized ? undefined : "1:1", providerOptions: { gptImage: options } });
      check(r.images.length === n, `${r.images.length} images`);
      check(r.images.every((i) => i.uint8Array.length > 100), "bytes");
      const meta = r.providerMetadata.gptImage;
      check(meta.images.length === n && meta.images.every((i) => i.cost && i.cost.usd !== undefined), JSON.stringify(meta).slice(0, 300));
      check(r.warnings.length === 0, JSON.stringify(r.warnings));
      if (provider === "openrouter") check(meta.images.every((i) => i.cost.exact), JSON.stringify(meta.images[0].cost));
      if (provider === "openai" || provider === "azure") {
        // OpenAI's token counts, summed over the batches.
        check(r.usage.inputTokens > 0 && r.usage.outputTokens > 0 && r.usage.totalTokens === r.usage.inputTokens + r.usage.outputTokens, JSON.stringify(r.usage));
      }
    });
  }

  add("files by URL and by bytes become references (OpenAI edit)", async () => {
    const first = await generateImage({ model: model("openai"), prompt: "a hat", providerOptions: { gptImage: { quality: "low", size: "1024x1024" } } });
    const bytes = first.images[0].uint8Array;
    check(PNG(bytes), "a PNG");
    const url = `data:image/png;base64,${first.images[0].base64}`;
    const r = await generateImage({ model: model("openai"), prompt: { text: "make the hat blue", images: [bytes, url] }, providerOptions: { gptImage: { quality: "low", size: "1024x1024" } } });
    check(r.images.length === 1, "edited");
    const own = await generateImage({ model: model("getimg"), prompt: "a source" });
    const byUrl = await generateImage({ model: model("openai"), prompt: { text: "edit", images: [own.providerMetadata.gptImage.images[0].url] }, providerOptions: { gptImage: { quality: "low" } } });
    check(byUrl.images.length === 1, "by URL");
  });

  add("an unsupported setting is a warning; an invalid request throws InvalidArgumentError", async () => {
    const r = await generateImage({ model: model("apiframe"), prompt: "x", seed: 7, providerOptions: { gptImage: { quality: "low", style: "cinematic" } } });
    const features = r.warnings.map((w) => `${w.type}:${w.feature}`).sort();
    check(features.join() === "unsupported:seed,unsupported:style", features.join());
    let err;
    try {
      await generateImage({ model: model("apiframe"), prompt: "x", n: 1, providerOptions: { gptImage: { quality: "ultra" } } });
    } catch (e) {
      err = e;
    }
    check(err && err.name === "AI_InvalidArgumentError" && /quality/.test(err.message), `${err?.name}: ${err?.message}`);
  });

  add("abort stops the call", async () => {
    const c = new AbortController();
    const p = generateImage({ model: model("apiframe"), prompt: "x", abortSignal: c.signal, providerOptions: { gptImage: { quality: "high" } } });
    setTimeout(() => c.abort(), 20);
    let err;
    try {
      await p;
    } catch (e) {
      err = e;
    }
    check(err, "rejected");
  });

  add("OUTCOME_UNKNOWN is not retried by generateImage (it could bill twice)", async () => {
    await sb.fault("gptimage2ai", "submit", "malformed", { count: 5 });
    const ledger0 = await sb.ledger(KEYS.gptimage2ai);
    let err;
    try {
      await generateImage({ model: model("gptimage2ai"), prompt: "x", maxRetries: 2 });
    } catch (e) {
      err = e;
    }
    const ledger1 = await sb.ledger(KEYS.gptimage2ai);
    check(err && /OUTCOME_UNKNOWN/.test(err.message) && err.isRetryable === false, `${err?.name}: ${err?.message}`);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 1, `one submit: ${ledger1.jobsCreated - ledger0.jobsCreated}`);
  });

  return list;
}

/**
 * `count` generateImage calls of n=2 with idempotency keys while the sandbox
 * drops a share of Apiframe's submit answers; the ledger before and after.
 */
export async function dropsBillOnce(sandboxUrl, count) {
  const sb = sandboxControl(sandboxUrl);
  const m = createGptImage({ provider: "apiframe", apiKey: KEYS.apiframe, baseUrl: sandboxUrl, typicalDurationMs: 300, maxRetries: 1 }).image("gpt-image-2");
  await sb.fault("apiframe", "submit", "drop", { rate: 0.3 });
  const before = await sb.ledger(KEYS.apiframe);
  const outcomes = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      // With keys a retry is safe, so allow enough of them that a batch losing
      // every answer is practically impossible (0.3^12 with the client's own retry).
      generateImage({ model: m, prompt: `lighthouse ${i}`, n: 2, maxImagesPerCall: 1, maxRetries: 5, providerOptions: { gptImage: { quality: "low", idempotencyKey: `order-${i}-${Date.now()}` } } }),
    ),
  );
  await sb.clearFaults();
  const after = await sb.ledger(KEYS.apiframe);
  return { outcomes, before, after };
}
