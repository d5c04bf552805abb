// gpt-image-edge/ai: GPT Image models through any provider this package speaks
// to, as a Vercel AI SDK image model (ImageModelV4), with this package's
// guarantee that a retry never bills twice. What each provider and model can
// do comes from the core's own providerInfo().
import { APICallError, InvalidArgumentError } from "@ai-sdk/provider";
import { ImageClient, providerInfo, readBounded, validateRequest } from "gpt-image-edge";

/** The one error class of the package (the same as `gpt-image-edge`'s). */
export { GptImageError } from "gpt-image-edge";

/** Images one call makes at most, per provider (getimg.ai: one image a call), from providerInfo(). */
export const MAX_IMAGES_PER_CALL = Object.fromEntries(Object.entries(providerInfo()).map(([id, p]) => [id, p.imagesPerCall]));

/** Largest image downloaded for a URL result (the providers' own 50 MB cap). */
const MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024;

/** Codes after which a resend may make (and bill) a second job. */
const MAY_HAVE_BILLED = new Set(["OUTCOME_UNKNOWN", "JOB_FAILED", "DEADLINE_EXCEEDED"]);

const bytesFromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/** An AI SDK file (`{ type: "url", url }` or `{ type: "file", data, mediaType }`) as a reference. */
function reference(file) {
  if (file.type === "url") return file.url;
  const data = typeof file.data === "string" ? `data:${file.mediaType};base64,${file.data}` : file.data;
  return data;
}

/**
 * Stable idempotency keys for the batches of one `generateImage` call: batch i of
 * size n gets `${key}-${n}-${i}`, and a retried batch gets its key back, so the
 * provider replays it instead of billing it again.
 */
class BatchKeys {
  constructor() {
    this.byKey = new Map();
  }

  claim(key, n) {
    const slot = `${key}-${n}`;
    let s = this.byKey.get(slot);
    if (!s) {
      s = { next: 0, free: [], busy: 0 };
      this.byKey.set(slot, s);
      if (this.byKey.size > 1000) this.byKey.delete(this.byKey.keys().next().value);
    }
    const index = s.free.length ? s.free.shift() : s.next++;
    s.busy++;
    return { key: `${slot}-${index}`, done: (retryable) => this.release(slot, index, retryable) };
  }

  release(slot, index, retryable) {
    const s = this.byKey.get(slot);
    if (!s) return;
    s.busy--;
    if (retryable) s.free.push(index);
    // Every batch ended: a later call with the same key starts again at batch 0 (and replays).
    if (s.busy === 0 && s.free.length === 0) this.byKey.delete(slot);
  }
}

async function download(url, abortSignal, fetchImpl = globalThis.fetch) {
  const res = await fetchImpl.call(globalThis, url, { signal: abortSignal, redirect: "follow", credentials: "omit" });
  if (!res.ok) throw new Error(`downloading the image answered ${res.status}`);
  const read = await readBounded(res, MAX_DOWNLOAD_BYTES);
  if (!read.bytes) throw new Error("the image is over 50 MB");
  return read.bytes;
}

/**
 * A GptImageError as the AI SDK's errors: retryable only where a resend cannot
 * bill twice: nothing was sent, or (`replayable`) the batch has its own key and
 * the provider replays a key instead of making a second job.
 */
function aiError(e, provider, replayable) {
  if (!e || e.name !== "GptImageError") return e;
  if (e.code === "INVALID_REQUEST" && e.issues && e.issues.length) {
    return new InvalidArgumentError({ argument: e.issues[0].path || "request", message: e.message, cause: e });
  }
  if (e.code === "ABORTED") return e;
  const retryable =
    (e.retryable === true && !e.handle && !MAY_HAVE_BILLED.has(e.code)) || (replayable && e.code === "OUTCOME_UNKNOWN");
  const headers = e.retryAfterMs ? { "retry-after": String(Math.ceil(e.retryAfterMs / 1000)) } : undefined;
  const err = new APICallError({
    message: `${e.code}: ${e.message}`,
    url: `gpt-image-edge:${provider}`,
    requestBodyValues: {},
    statusCode: e.status ?? undefined,
    responseHeaders: headers,
    isRetryable: retryable,
    data: { code: e.code, handle: e.handle, jobId: e.jobId },
    cause: e,
  });
  return err;
}

function imageModel(client, options, modelId, keys) {
  const provider = client.provider;
  const dedupes = providerInfo()[provider].idempotency === true;
  // A client pointed at a local server (the sandbox) takes local image URLs too.
  const local = String(client.toJSON().baseUrl).startsWith("http://");
  return {
    specificationVersion: "v4",
    provider: `gpt-image-edge.${provider}`,
    modelId,
    maxImagesPerCall: MAX_IMAGES_PER_CALL[provider],
    async doGenerate({ prompt, n, size, aspectRatio, seed, files, mask, providerOptions, abortSignal }) {
      const { maxCostUsd, deadlineMs, idempotencyKey, onProgress = options.onProgress, ...fields } = providerOptions?.gptImage ?? {};
      const warnings = [];
      const request = { ...fields, prompt: prompt ?? "", count: n };
      if (size) request.size = size;
      if (aspectRatio) request.aspectRatio = aspectRatio;
      if (files && files.length) request.references = files.map(reference);
      if (mask) request.mask = reference(mask);
      if (modelId !== undefined) request.model = modelId;
      if (seed != null) warnings.push({ type: "unsupported", feature: "seed", details: "GPT Image models take no seed" });
      const checked = validateRequest(provider, request, { allowLocalUrls: local, strict: options.strict === true });
      if (!checked.ok) {
        const first = checked.errors[0];
        throw new InvalidArgumentError({
          argument: first.path || "request",
          message: checked.errors.map((i) => `${i.path}: ${i.message}`).join("; "),
          cause: checked.errors,
        });
      }
      for (const w of checked.warnings) warnings.push({ type: "unsupported", feature: w.path, details: w.message });
      const batch = idempotencyKey ? keys.claim(idempotencyKey, n) : null;
      let job;
      try {
        job = await client.generate(request, { signal: abortSignal, maxCostUsd, deadlineMs, onProgress, idempotencyKey: batch?.key });
        batch?.done(false);
      } catch (e) {
        const err = aiError(e, provider, batch !== null && dedupes);
        batch?.done(err instanceof Error && APICallError.isInstance(err) && err.isRetryable);
        throw err;
      }
      const images = [];
      for (const image of job.images) {
        images.push(image.b64 ? bytesFromBase64(image.b64) : await download(image.url, abortSignal, options.fetch));
      }
      const perImage = job.images.map((i) => ({
        ...(i.url ? { url: i.url } : {}),
        ...(i.width ? { width: i.width } : {}),
        ...(i.height ? { height: i.height } : {}),
        ...(i.seed ? { seed: i.seed } : {}),
        ...(i.finalPrompt ? { finalPrompt: i.finalPrompt } : {}),
        cost: job.cost,
        jobId: job.id,
      }));
      return {
        images,
        warnings,
        providerMetadata: { gptImage: { images: perImage, cost: job.cost, jobId: job.id } },
        response: { timestamp: new Date(), modelId, headers: undefined },
        ...(job.usage ? { usage: job.usage } : {}),
      };
    },
  };
}

/**
 * `createGptImage(options)`: `ImageClient` options (provider, apiKey, baseUrl, ...)
 * to an AI SDK provider whose `image(modelId)` is an `ImageModelV4`.
 */
export function createGptImage(options) {
  const { onProgress, ...clientOptions } = options;
  const client = new ImageClient(clientOptions);
  const keys = new BatchKeys();
  const image = (modelId = providerInfo()[client.provider].defaultModel) => imageModel(client, options, modelId, keys);
  return { image, imageModel: image };
}
