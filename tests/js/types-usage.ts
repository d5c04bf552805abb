// Uses the whole public API with strict types; `tsc --strict --noEmit` must pass.
// Each @ts-expect-error proves a type is precise (an `any` would make it fail).
import {
  ImageClient,
  buildPollRequest,
  buildSubmitRequest,
  estimateCost,
  costFromUsage,
  parseJob,
  providerInfo,
  validateRequest,
  verifyWebhook,
  type Cost,
  type ErrorCode,
  GptImageError,
  type ImageRequest,
  type ModelId,
  type Job,
  type JobHandle,
  type ProviderId,
  type ValidationResult,
} from "gpt-image-edge";
import { createRouteHandler, type RouteEvent, type RouteHandler, type RouteJob } from "gpt-image-edge/route";

const request: ImageRequest = { prompt: "a lighthouse", quality: "medium", aspectRatio: "3:2", count: 2 };
const edit: ImageRequest = {
  prompt: "make it blue",
  references: ["https://cdn.example.com/a.png", new Uint8Array(8), new ArrayBuffer(8), new Blob([])],
  mask: "data:image/png;base64,iVBORw0KGgo=",
  inputFidelity: "high",
  background: "transparent",
  user: "user-42",
};
// @ts-expect-error: inputFidelity is high or low
const badFidelity: ImageRequest = { prompt: "x", inputFidelity: "max" };
// The model is a choice: a listed one, or a newer gpt-image id.
const flare: ImageRequest = { prompt: "x", model: "gpt-image-2.5-flare", quality: "xhigh" };
const newer: ModelId = "gpt-image-9";
const openaiModels: string[] = providerInfo().openai.models.map((m) => m.id);
// @ts-expect-error: not a GPT Image model
const dalle: ImageRequest = { prompt: "x", model: "dall-e-3" };
// @ts-expect-error: no such provider
validateRequest("midjourney", { prompt: "x" });
// One error class: instanceof narrows to its fields.
try {
  estimateCost("openai", { prompt: "" });
} catch (e) {
  if (e instanceof GptImageError) {
    const code: ErrorCode = e.code;
    const path: string | undefined = e.issues?.[0]?.path;
  }
}
// Azure: the resource, the deployment, optionally the API; an Entra ID token instead of a key.
const azure = new ImageClient({ provider: "azure", apiKey: "k", baseUrl: "https://res.openai.azure.com", deployment: "gpt-image-2", apiVersion: "v1" });
const entra = new ImageClient({ provider: "azure", baseUrl: "https://res.openai.azure.com", deployment: "d", headers: { Authorization: "Bearer token" } });
// @ts-expect-error: Azure needs its deployment
new ImageClient({ provider: "azure", apiKey: "k", baseUrl: "https://res.openai.azure.com" });
// @ts-expect-error: Azure has no shared base URL
new ImageClient({ provider: "azure", apiKey: "k", deployment: "d" });
// @ts-expect-error: OpenAI needs its key
new ImageClient({ provider: "openai" });
const azureSpec = buildSubmitRequest("azure", { prompt: "x" }, { apiKey: "k", baseUrl: "https://res.openai.azure.com", deployment: "d" });
validateRequest("azure", { prompt: "x", moderation: "low" }, { apiVersion: "v1" });
const openrouter = new ImageClient({ provider: "openrouter", apiKey: "sk-or" });
const replicate = new ImageClient({ provider: "replicate", apiKey: "r8_x" });
const replicateRoute: RouteHandler = createRouteHandler({ provider: "replicate", apiKey: "r8_x", webhookSecret: "whsec_AAAA", secret: "0123456789abcdef0123456789abcdef", public: true });
// Transport: a base URL with a path, extra headers, a fetch of one's own.
const gateway = new ImageClient({
  provider: "openai",
  apiKey: "sk",
  baseUrl: "https://gateway.ai.cloudflare.com/v1/acct/gw/openai",
  headers: { "cf-aig-authorization": "Bearer t", "cf-aig-metadata": "{}" },
  fetch: (input, init) => fetch(input, init),
});
const v: ValidationResult = validateRequest("apiframe", request, { strict: true });
const firstCode: string | undefined = v.errors[0]?.code;
const cost: Cost = estimateCost("getimg", { prompt: "x", resolution: "2K" }, { plan: "growth" });
const usd: number | null = cost.usd;
const usage: Cost = costFromUsage("openai", { input_tokens: 1, output_tokens: 2 }, { model: "gpt-image-2.5-flare" });
const spec = buildSubmitRequest("openai", { prompt: "x", size: "1024x1024" }, { apiKey: "k", idempotencyKey: "i" });
const calls: number = spec.calls;
const poll = buildPollRequest("apiframe", "id", { apiKey: "k", baseUrl: "http://127.0.0.1:1" });
const parsed: Job = parseJob("gptimage2ai", 200, { jobId: "g", status: "running" }, { retryAfter: 2 });
const ratios: string[] = providerInfo().apiframe.aspectRatios;

async function server(apiKey: string): Promise<void> {
  const client = new ImageClient({ provider: "apiframe", apiKey, timeoutMs: 30_000, maxRetries: 2, typicalDurationMs: 15_000, uploadReference: async (bytes: Uint8Array, mimeType: string) => `https://r2.example.com/${bytes.length}.${mimeType.split("/")[1]}` });
  const controller = new AbortController();
  const job: Job = await client.generate(request, {
    signal: controller.signal,
    deadlineMs: 120_000,
    maxCostUsd: 1,
    idempotencyKey: "order-42",
    onProgress: (j: Job) => console.log(j.status, j.progress),
  });
  const url: string | undefined = job.images[0]?.url;
  const handle: JobHandle = await client.submit(request);
  const resumed: Job = await new ImageClient({ provider: "apiframe", apiKey }).waitFor(JSON.parse(JSON.stringify(handle)) as JobHandle);
  const once: Job = await client.getJob(JSON.stringify(handle));
  const named: JobHandle = await client.recover(handle);
  const streamed: Job = await client.generate(request, { partialImages: 2, onPartialImage: (p) => console.log(p.index, p.b64.length, p.mimeType) });
  // @ts-expect-error: at most three partial images
  await client.generate(request, { partialImages: 4 });
  // @ts-expect-error: recover resolves to a handle, not a job
  const notJob: Job = await client.recover(handle);
  const estimate: Cost = client.estimateCost(request);
  const ok: boolean = await verifyWebhook({ provider: "apiframe", apiKey, body: "{}", signature: "sha256=00" });
  const replicateOk: boolean = await verifyWebhook({ provider: "replicate", secret: "whsec_AAAA", body: new Uint8Array(0), headers: { "webhook-id": "m" } });
  // @ts-expect-error: Replicate's webhooks are checked with its signing secret, not the API key
  await verifyWebhook({ provider: "replicate", apiKey, body: "{}", headers: {} });
  try {
    await client.generate({ prompt: "" });
  } catch (e) {
    const err = e as GptImageError;
    const code: ErrorCode = err.code;
    const again: JobHandle | undefined = err.handle;
    if (code === "OUTCOME_UNKNOWN" && again) await client.waitFor(again);
  }
  console.log(url, resumed, once, named, notJob, streamed, estimate, ok, client.toJSON().baseUrl);
  client.free();
}

// @ts-expect-error: not a provider
validateRequest("midjourney", request);
// @ts-expect-error: prompt is required
const noPrompt: ImageRequest = { quality: "low" };
// @ts-expect-error: not a quality
estimateCost("apiframe", { prompt: "x", quality: "ultra" });
// @ts-expect-error: statuses are a union
const status: Job["status"] = "done";
// @ts-expect-error: the client needs a key
new ImageClient({ provider: "openai" });
// @ts-expect-error: no such provider
buildPollRequest("midjourney", "id", { apiKey: "k" });
// @ts-expect-error: verifyWebhook resolves to a boolean
const notString: string = await verifyWebhook({ provider: "apiframe", apiKey: "k", body: "", signature: null });
const provider: ProviderId = "openai";

const route: RouteHandler = createRouteHandler({
  provider: "apiframe",
  apiKey: "afk_server_side",
  secret: "0123456789abcdef0123456789abcdef",
  allow: { maxCount: 2, values: { quality: ["low", "medium"] } },
  defaults: { quality: "low" },
  maxCostUsd: 0.5,
  authorize: async (request: Request) => request.headers.get("x-user"),
  limit: async ({ principal, estimate }) => (principal === "blocked" || (estimate.usd ?? 1) > 1 ? { retryAfterMs: 1000 } : true),
  allowedOrigins: ["https://app.example.com"],
  publicOrigin: "https://images.example.com",
  bodyTimeoutMs: 5_000,
  onError: (report) => console.error(report.route, report.principal, report.status, report.code, report.error.message),
  replayStore: { claim: async (key: string, ttlMs: number) => key.length > 0 && ttlMs > 0 },
  onWebhook: (event) => console.log(event.jobId, event.event),
});
// @ts-expect-error: onError takes a function
createRouteHandler({ provider: "apiframe", apiKey: "k", secret: "0123456789abcdef0123456789abcdef", public: true, onError: "log" });
const demo: RouteHandler = createRouteHandler({ provider: "openai", apiKey: "sk", secret: "0123456789abcdef0123456789abcdef", public: true });
const azureRoute: RouteHandler = createRouteHandler({ provider: "azure", apiKey: "k", baseUrl: "https://res.openai.azure.com", deployment: "d", secret: "0123456789abcdef0123456789abcdef", public: true });
// @ts-expect-error: the route's Azure client needs its deployment too
createRouteHandler({ provider: "azure", apiKey: "k", baseUrl: "https://res.openai.azure.com", secret: "0123456789abcdef0123456789abcdef", public: true });
const response: Promise<Response> = route(new Request("https://app.example.com/api/images/generate", { method: "POST" }));
const polled: RouteJob["status"] = "running";
// @ts-expect-error: browsers may never set webhookUrl
createRouteHandler({ provider: "apiframe", apiKey: "k", secret: "s", public: true, allow: { fields: ["webhookUrl"] } });
// @ts-expect-error: a route needs a secret
createRouteHandler({ provider: "apiframe", apiKey: "k", public: true });
// @ts-expect-error: a route needs authorize, or public: true
createRouteHandler({ provider: "apiframe", apiKey: "k", secret: "s" });
// @ts-expect-error: authorize returns the principal, not a boolean
createRouteHandler({ provider: "apiframe", apiKey: "k", secret: "s", authorize: () => true });
const streaming: RouteHandler = createRouteHandler({ provider: "openai", apiKey: "sk", secret: "0123456789abcdef0123456789abcdef", public: true, partialImages: 2, heartbeatMs: 10_000 });
// @ts-expect-error: at most three partial images
createRouteHandler({ provider: "openai", apiKey: "sk", secret: "s", public: true, partialImages: 4 });
/** What a page does with each event of the stream. */
function onEvent(e: RouteEvent): string {
  switch (e.event) {
    case "accepted":
      return e.data.token ?? String(e.data.estimate.usd);
    case "progress":
      return `${e.data.status} ${e.data.progress ?? 0}`;
    case "partial_image":
      return `data:${e.data.mimeType};base64,${e.data.b64}`;
    case "completed":
      return e.data.images[0]?.url ?? "";
    case "error":
      return `${e.data.status} ${e.data.error.code}`;
  }
}
console.log(response, polled, demo, streaming, onEvent);

console.log(edit, badFidelity, spec.form === "multipart", firstCode, usd, usage, calls, poll, parsed, ratios, server, noPrompt, status, notString, provider);
