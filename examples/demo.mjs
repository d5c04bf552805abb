// Generate one image through the package, save it, and say what it cost.
//
// Against the sandbox (default): SANDBOX_URL is set by `make demo`.
// Against a real provider: GPT_IMAGE_PROVIDER=apiframe|gptimage2ai|getimg|openai|azure|openrouter|replicate|fal
// and GPT_IMAGE_API_KEY=<your key> (never commit it), optional GPT_IMAGE_PROMPT; for Azure
// also GPT_IMAGE_BASE_URL=https://RESOURCE.openai.azure.com and GPT_IMAGE_DEPLOYMENT.
import { mkdir, writeFile } from "node:fs/promises";
import { ImageClient, estimateCost } from "gpt-image-edge";

import { SANDBOX_KEYS, SANDBOX_SETTINGS } from "./sandbox-keys.mjs";
const provider = process.env.GPT_IMAGE_PROVIDER ?? "apiframe";
const realKey = process.env.GPT_IMAGE_API_KEY;
const baseUrl = realKey ? process.env.GPT_IMAGE_BASE_URL : process.env.SANDBOX_URL;
const apiKey = realKey ?? SANDBOX_KEYS[provider];
// Azure's deployment (and API version), from the environment or as the sandbox serves it.
const settings = realKey
  ? Object.fromEntries([["deployment", process.env.GPT_IMAGE_DEPLOYMENT], ["apiVersion", process.env.GPT_IMAGE_API_VERSION]].filter(([, v]) => v))
  : (SANDBOX_SETTINGS[provider] ?? {});
const outDir = process.env.OUT_DIR ?? "out";
const request = {
  prompt: process.env.GPT_IMAGE_PROMPT ?? "A lighthouse on a cliff at dusk, long exposure, 35mm film",
  ...(provider === "apiframe" ? { quality: "medium", aspectRatio: "3:2" } : {}),
  ...(provider === "openai" || provider === "azure" ? { quality: "low", size: "1536x1024" } : {}),
  ...(provider === "openrouter" || provider === "replicate" ? { quality: "low", aspectRatio: "3:2" } : {}),
  ...(provider === "getimg" || provider === "gptimage2ai" ? { aspectRatio: "4:3" } : {}),
  ...(provider === "fal" ? { quality: "low", aspectRatio: "4:3" } : {}),
};

// Count every HTTP request the client makes (it calls the global fetch).
let requests = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (...args) => {
  requests++;
  return realFetch(...args);
};

const where = realKey ? `${provider} (${baseUrl ?? "production"})` : `${provider} on the sandbox at ${baseUrl}`;
console.log(`provider: ${where}`);
console.log(`request:  ${JSON.stringify(request)}`);
const estimate = estimateCost(provider, request);
console.log(`estimate: ${estimate.usd === null ? `${estimate.credits} credits` : `$${estimate.usd}`}${estimate.exact ? "" : " (estimate)"} - ${estimate.basis}`);

const client = new ImageClient({ provider, apiKey, baseUrl, ...settings });
const started = performance.now();
const job = await client.generate(request, {
  maxCostUsd: 1,
  onProgress: (j) => console.log(`  ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s  ${j.status}${j.progress === null ? "" : ` ${j.progress}%`}`),
});
const seconds = (performance.now() - started) / 1000;

await mkdir(outDir, { recursive: true });
const saved = [];
for (const [i, image] of job.images.entries()) {
  let bytes;
  let type = image.mimeType ?? "image/png";
  if (image.b64) {
    bytes = Buffer.from(image.b64, "base64");
  } else {
    const r = await realFetch(image.url);
    if (!r.ok) throw new Error(`download failed: ${r.status}`);
    type = r.headers.get("content-type") ?? type;
    bytes = Buffer.from(await r.arrayBuffer());
  }
  const ext = { "image/jpeg": "jpg", "image/webp": "webp" }[type] ?? "png";
  const file = `${outDir}/${provider}-${job.id ?? "image"}-${i}.${ext}`.replace(/[^\w./-]/g, "_");
  await writeFile(file, bytes);
  saved.push(`${file} (${bytes.length} bytes)`);
}

const cost = job.cost;
const price = cost ? [cost.credits !== null ? `${cost.credits} credits` : null, cost.usd !== null ? `$${cost.usd}` : null].filter(Boolean).join(" = ") : "unknown";
console.log(`\nsaved:    ${saved.join(", ")}`);
console.log(`cost:     ${price}${cost && !cost.exact ? " (estimate)" : ""}${cost ? ` - ${cost.basis}` : ""}`);
console.log(`time:     ${seconds.toFixed(2)} s`);
console.log(`requests: ${requests} HTTP requests to ${provider} (submit + polls)`);
