// End-to-end scenarios against the sandbox, for every provider. The same file
// runs in Node and inside workerd: it uses only fetch, timers and the package.

import { SANDBOX_KEYS, SANDBOX_SETTINGS, SANDBOX_WEBHOOK_SECRETS } from "./sandbox-keys.mjs";
import { sandboxControl } from "./sandbox-control.mjs";
import { check, sleep } from "./check.mjs";

export { sandboxControl };

export const KEYS = SANDBOX_KEYS;
export const SETTINGS = SANDBOX_SETTINGS;
/** Replicate's webhook signing secret at the sandbox. */
export const REPLICATE_WEBHOOK_SECRET = SANDBOX_WEBHOOK_SECRETS.replicate;
export const PROVIDERS = Object.keys(KEYS);
/** A provider's id, sandbox key and settings (Azure's deployment), as client options. */
export const setup = (provider) => ({ provider, apiKey: KEYS[provider], ...(SANDBOX_SETTINGS[provider] ?? {}) });
const REQUESTS = {
  apiframe: { prompt: "A lighthouse at dusk", quality: "low", aspectRatio: "3:2" },
  gptimage2ai: { prompt: "A lighthouse at dusk", aspectRatio: "16:9", style: "cinematic" },
  getimg: { prompt: "A lighthouse at dusk", aspectRatio: "4:5" },
  openai: { prompt: "A lighthouse at dusk", quality: "low", size: "1024x1536", outputFormat: "png" },
  azure: { prompt: "A lighthouse at dusk", quality: "low", size: "1024x1536", outputFormat: "png" },
  openrouter: { prompt: "A lighthouse at dusk", quality: "low", aspectRatio: "2:3" },
  replicate: { prompt: "A lighthouse at dusk", quality: "low", aspectRatio: "3:2" },
  fal: { prompt: "A lighthouse at dusk", quality: "low", aspectRatio: "4:3" },
};
const SUBMIT_PATH = {
  apiframe: "POST /v2/images/generate",
  gptimage2ai: "POST /api/generate",
  getimg: "POST /v2/images/generations",
  openai: "POST /v1/images/generations",
  azure: "POST /openai/deployments/{deployment}/images/generations",
  openrouter: "POST /api/v1/images",
  replicate: "POST /v1/models/{owner}/{name}/predictions",
  fal: "POST /openai/gpt-image-2",
};

function code(e) {
  return e && typeof e === "object" ? e.code : undefined;
}

async function rejects(promise, expected) {
  try {
    await promise;
  } catch (e) {
    check(e instanceof Error && e.name === "GptImageError", `not a GptImageError: ${e}`);
    check(e.code === expected, `expected ${expected}, got ${e.code}: ${e.message}`);
    return e;
  }
  throw new Error(`expected ${expected}, but it succeeded`);
}

/** Check that an image the job names is a real image of the right kind. */
async function checkImage(img) {
  let bytes;
  if (img.b64) {
    bytes = Uint8Array.from(atob(img.b64), (c) => c.charCodeAt(0));
  } else {
    const r = await fetch(img.url);
    check(r.ok, `image ${img.url}: ${r.status}`);
    check((r.headers.get("content-type") ?? "").startsWith("image/"), `image content-type ${r.headers.get("content-type")}`);
    bytes = new Uint8Array(await r.arrayBuffer());
  }
  const png = bytes[0] === 0x89 && bytes[1] === 0x50;
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const webp = bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50;
  check(png || jpeg || webp, "the image bytes are not PNG, JPEG or WebP");
  return bytes.length;
}

/**
 * The scenarios: [{ name, run }]. `edge` is the package module, `sandbox` the
 * sandbox's base URL.
 */
/** `workerd`: `{ r2, r2Uploader }` where an R2 bucket is bound (the Worker tests). */
export function scenarios(edge, sandboxUrl, workerd = {}) {
  const sb = sandboxControl(sandboxUrl);
  const list = [];
  const add = (name, run) => list.push({ name, run: async () => {
    try {
      await run();
    } finally {
      await sb.clearFaults();
    }
  } });
  const client = (p, extra = {}) =>
    new edge.ImageClient({ ...setup(p), baseUrl: sandboxUrl, typicalDurationMs: 300, timeoutMs: 5000, ...extra });
  const submits = async (p) => (await sb.stats()).requests[SUBMIT_PATH[p]] ?? 0;

  for (const p of PROVIDERS) {
    const req = REQUESTS[p];
    const isAsync = edge.providerInfo()[p].flow === "async";

    add(`${p}: generate returns images, cost and progress`, async () => {
      const seen = [];
      const job = await client(p).generate(req, { onProgress: (j) => seen.push(j.status) });
      check(job.status === "succeeded", `status ${job.status}`);
      check(job.images.length === 1, `${job.images.length} images`);
      await checkImage(job.images[0]);
      check(job.cost !== null, "no cost");
      const expected = { apiframe: [4, 0.04], gptimage2ai: [10, null], getimg: [null, 0.06], replicate: [null, 0.012] }[p];
      if (expected) check(job.cost.credits === expected[0] && job.cost.usd === expected[1], JSON.stringify(job.cost));
      // Token-billed: the exact cost from the answer's usage.
      if (["openai", "azure", "openrouter", "fal"].includes(p)) check(job.cost.exact && job.cost.usd > 0, JSON.stringify(job.cost));
      if (p === "openai") check(job.images[0].width === 1024 && job.images[0].height === 1536, JSON.stringify(job));
      if (p === "openrouter") check(/usage\.cost/.test(job.cost.basis), job.cost.basis);
      // Replicate states no price: the bill is the per-image figure, said to be third-party, and
      // the images' one-hour lifetime is on the job.
      if (p === "replicate") {
        check(!job.cost.exact && /third-party/.test(job.cost.basis), JSON.stringify(job.cost));
        const left = Date.parse(job.images[0].expiresAt) - Date.now();
        check(left > 3_000_000 && left <= 3_600_000, `expiresAt ${job.images[0].expiresAt}`);
      }
      check(seen.at(-1) === "succeeded", `progress ended with ${seen.at(-1)}`);
    });

    add(`${p}: submit, then resume from JSON in a fresh client`, async () => {
      const handle = await client(p).submit(req);
      const text = JSON.stringify(handle);
      check(!text.includes(KEYS[p]), "the handle holds the key");
      check(handle.provider === p && typeof handle.idempotencyKey === "string", text);
      const job = await client(p).waitFor(JSON.parse(text));
      check(job.status === "succeeded" && job.images.length === 1, JSON.stringify(job));
      const again = await client(p).getJob(text);
      check(again.status === "succeeded", "getJob from the handle's text");
    });

    add(`${p}: abort stops the call with a resumable handle`, async () => {
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 60);
      const e = await rejects(client(p).generate(req, { signal: ctl.signal }), "ABORTED");
      check(e.handle && e.handle.provider === p, "no handle on ABORTED");
      if (isAsync) {
        check(typeof e.handle.jobId === "string", "the job id is kept");
        const job = await client(p).waitFor(e.handle);
        check(job.status === "succeeded", "resumed after abort");
      } else {
        check(e.handle.request && e.handle.idempotencyKey, "an aborted synchronous call keeps its request and key");
      }
    });

    add(`${p}: the deadline ends waiting; the handle resumes`, async () => {
      const e = await rejects(client(p).generate(req, { deadlineMs: 100 }), "DEADLINE_EXCEEDED");
      check(e.handle, "no handle on DEADLINE_EXCEEDED");
      if (isAsync && edge.providerInfo()[p].deadline === "cancelAfter") {
        // The deadline went with the job (Replicate's Cancel-After): past it the provider ended it.
        const late = await rejects(client(p).waitFor(e.handle, { deadlineMs: 10_000 }), "JOB_FAILED");
        check(late.details.status === "cancelled", JSON.stringify(late.details));
      } else if (isAsync) {
        const job = await client(p).waitFor(e.handle, { deadlineMs: 10_000 });
        check(job.status === "succeeded", "resumed after the deadline");
      } else {
        check(e.message.includes("may still be made"), e.message);
      }
    });

    add(`${p}: 429 with Retry-After is honoured`, async () => {
      await sb.fault(p, "submit", "rate_limit", { retryAfter: 1 });
      const before = await submits(p);
      const t0 = Date.now();
      const job = await client(p).generate(req);
      const waited = Date.now() - t0;
      check(job.status === "succeeded", "succeeded after the 429");
      check(waited >= 1000, `retried after ${waited} ms, before Retry-After`);
      check((await submits(p)) - before === 2, "one refused submit and one accepted");
    });

    add(`${p}: a 5xx, then success`, async () => {
      if (isAsync) await sb.fault(p, "poll", "500");
      else await sb.fault(p, "submit", "503");
      const job = await client(p).generate(req);
      check(job.status === "succeeded", "succeeded after the 5xx");
    });

    add(`${p}: a failed job`, async () => {
      await sb.fault(p, "submit", "fail");
      const ledger0 = await sb.ledger(KEYS[p]);
      const before = await submits(p);
      if (isAsync) {
        const e = await rejects(client(p).generate(req), "JOB_FAILED");
        check(typeof e.jobId === "string" && e.handle, "JOB_FAILED names its job");
        const ledger1 = await sb.ledger(KEYS[p]);
        check(ledger1.refunds - ledger0.refunds === 1, "the failed job was refunded");
      } else {
        const e = await rejects(client(p).generate(req), "PROVIDER_ERROR");
        check(e.status === 500 && e.retryable, "a failed synchronous generation is a retryable 500");
        check((await submits(p)) - before === 1, "a failed generation is not resent automatically");
      }
      const ledger2 = await sb.ledger(KEYS[p]);
      check(ledger2.jobsCharged === ledger0.jobsCharged, "nothing charged for a failure");
    });

    add(`${p}: a malformed body`, async () => {
      if (isAsync) {
        await sb.fault(p, "poll", "malformed");
        const job = await client(p).generate(req);
        check(job.status === "succeeded", "a malformed poll is retried");
      } else {
        await sb.fault(p, "submit", "malformed");
        const ledger0 = await sb.ledger(KEYS[p]);
        const e = await rejects(client(p).generate(req), "OUTCOME_UNKNOWN");
        check(e.handle && e.handle.request && e.handle.idempotencyKey, "the unknown outcome keeps its request and key");
        const ledger1 = await sb.ledger(KEYS[p]);
        check(ledger1.jobsCharged - ledger0.jobsCharged === 1, "billed once, never resent");
      }
    });

    add(`${p}: a hung request times out`, async () => {
      if (isAsync) {
        await sb.fault(p, "poll", "hang");
        const t0 = Date.now();
        const job = await client(p, { timeoutMs: 400 }).generate(req);
        check(job.status === "succeeded", "recovered from the hung poll");
        check(Date.now() - t0 >= 400, "the hung poll was waited out");
      } else {
        await sb.fault(p, "submit", "hang");
        await rejects(client(p).generate(req, { deadlineMs: 800 }), "DEADLINE_EXCEEDED");
      }
    });
  }

  add("apiframe: a hung submit is resent with the same key and succeeds", async () => {
    await sb.fault("apiframe", "submit", "hang");
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const job = await client("apiframe", { timeoutMs: 400 }).generate(REQUESTS.apiframe);
    check(job.status === "succeeded", "succeeded");
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCharged - ledger0.jobsCharged === 1, "one charged job");
  });

  add("gptimage2ai: a hung submit is OUTCOME_UNKNOWN, never resent", async () => {
    await sb.fault("gptimage2ai", "submit", "hang");
    const before = await submits("gptimage2ai");
    const e = await rejects(client("gptimage2ai", { timeoutMs: 400 }).generate(REQUESTS.gptimage2ai), "OUTCOME_UNKNOWN");
    check(e.handle.idempotencyKey && e.handle.request, "keeps what finds the job again");
    check((await submits("gptimage2ai")) - before === 1, "sent once");
  });

  add("apiframe: a dropped submit answer is resent with the same key, billed once", async () => {
    await sb.fault("apiframe", "submit", "drop");
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const job = await client("apiframe").generate(REQUESTS.apiframe);
    check(job.status === "succeeded", "succeeded");
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 1 && ledger1.idempotentReplays - ledger0.idempotentReplays === 1, JSON.stringify(ledger1));
  });

  add("apiframe: an unknown status is kept and the job still finishes", async () => {
    await sb.fault("apiframe", "submit", "unknown_status");
    const c = client("apiframe");
    const handle = await c.submit({ ...REQUESTS.apiframe, quality: "high" });
    const seen = [];
    for (let i = 0; i < 200; i++) {
      const job = await c.getJob(handle);
      seen.push(`${job.rawStatus}/${job.status}`);
      if (job.status === "succeeded") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    check(seen.includes("ARCHIVING/running"), `statuses seen: ${[...new Set(seen)]}`);
    check(seen.at(-1) === "COMPLETED/succeeded", `ended ${seen.at(-1)}`);
  });

  add("openai: an edit by URL goes as JSON, the image fetched by the provider", async () => {
    const first = await client("openai").generate({ prompt: "a red hat", quality: "low", size: "1024x1024" });
    // Serve the first image back as a reference through the sandbox's own URL space:
    // a getimg image URL is an http URL on loopback, allowed because the client is local.
    const ref = await client("getimg").generate({ prompt: "a red hat" });
    const job = await client("openai").generate({ prompt: "make the hat blue", quality: "low", references: [ref.images[0].url] });
    check(first.status === "succeeded" && job.status === "succeeded" && job.images[0].b64, "edited");
    check(job.cost.usd > first.cost.usd, "the edit's input image tokens are billed");
  });

  add("getimg: count 3 is three parallel calls", async () => {
    const before = await submits("getimg");
    const job = await client("getimg").generate({ prompt: "tiles", count: 3 });
    check(job.images.length === 3 && job.cost.usd === 0.18, JSON.stringify(job.cost));
    check((await submits("getimg")) - before === 3, "three calls");
  });

  // Requests to the provider APIs (the sandbox's own control routes aside).
  const bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const edits = async () => (await sb.stats()).requests["POST /v1/images/edits"] ?? 0;

  add("openai: transparent PNG output, masked edits as JSON and as multipart, inputFidelity, bytes, Blobs and data URLs", async () => {
    const c = client("openai");
    const sticker = await c.generate({ prompt: "a sticker", quality: "low", size: "1024x1024", background: "transparent", outputFormat: "png" });
    const mask = bytesOf(sticker.images[0].b64);
    check(mask[25] === 6, `a transparent PNG is RGBA (colour type ${mask[25]})`);
    const photo = await c.generate({ prompt: "a photo", quality: "low", size: "1024x1024" });
    const before = await edits();
    // JSON edit: the reference as a Uint8Array, the mask as a Blob.
    const spec = edge.buildSubmitRequest("openai", { prompt: "x", size: "1024x1024", references: [bytesOf(photo.images[0].b64)], mask: mask }, { apiKey: "k" });
    check(spec.form === "json-edit" && spec.body.includes('"mask":{"image_url":"data:image/png;base64,'), spec.form);
    const edited = await c.generate({ prompt: "paint the disc blue", quality: "low", size: "1024x1024", references: [bytesOf(photo.images[0].b64)], mask: new Blob([mask], { type: "image/png" }), inputFidelity: "high" });
    check(edited.status === "succeeded" && edited.images[0].b64, "json edit");
    check(edited.cost.usd > photo.cost.usd, "the reference's image tokens are billed");
    // Multipart: a size JSON edits do not take; an ArrayBuffer and a data URL.
    const wide = await c.generate({ prompt: "a wide photo", quality: "low", size: "1536x864" });
    const wideMask = await c.generate({ prompt: "a wide sticker", quality: "low", size: "1536x864", background: "transparent" });
    const wideSpec = edge.buildSubmitRequest("openai", { prompt: "x", size: "1536x864", references: [`data:image/png;base64,${wide.images[0].b64}`] }, { apiKey: "k" });
    check(wideSpec.form === "multipart" && wideSpec.multipart.files[0].name === "image[]", wideSpec.form);
    const mp = await c.generate({ prompt: "edit it", quality: "low", size: "1536x864", references: [bytesOf(wide.images[0].b64).buffer], mask: `data:image/png;base64,${wideMask.images[0].b64}`, inputFidelity: "low" });
    check(mp.status === "succeeded", "multipart edit");
    check((await edits()) - before === 2, "two edits sent");
    // A mask of the wrong size is refused before anything is sent.
    const sent = await edits();
    await rejects(c.generate({ prompt: "x", quality: "low", size: "1024x1024", references: [bytesOf(photo.images[0].b64)], mask: bytesOf(wideMask.images[0].b64) }), "INVALID_REQUEST");
    check((await edits()) === sent, "nothing sent for a bad mask");
  });

  add("openai: partial images stream in before the final image, smaller, as PNGs", async () => {
    const c = client("openai");
    const seen = [];
    const t0 = Date.now();
    const job = await c.generate(
      { prompt: "a lighthouse", quality: "high", size: "1024x1024" },
      { partialImages: 2, onPartialImage: (p) => seen.push({ ...p, at: Date.now() - t0 }) },
    );
    const done = Date.now() - t0;
    check(seen.length === 2 && seen[0].index === 0 && seen[1].index === 1, JSON.stringify(seen.map((p) => p.index)));
    check(seen.every((p) => p.at < done && p.mimeType === "image/png" && bytesOf(p.b64)[0] === 0x89), "partials came first, as PNGs");
    check(bytesOf(seen[0].b64).length < bytesOf(job.images[0].b64).length, "a partial is smaller than the final image");
    check(job.status === "succeeded" && job.cost.exact, JSON.stringify(job.cost));
    await rejects(c.generate({ prompt: "x" }, { partialImages: 7, onPartialImage: () => {} }), "INVALID_REQUEST");
  });

  add("openai: a stream that breaks after a partial image is OUTCOME_UNKNOWN, never resent", async () => {
    const c = client("openai");
    const generations = async () => (await sb.stats()).requests["POST /v1/images/generations"] ?? 0;
    const ledger0 = await sb.ledger(KEYS.openai);
    const sent = await generations();
    await sb.fault("openai", "submit", "truncated");
    const seen = [];
    const e = await rejects(
      c.generate({ prompt: "a lighthouse", quality: "high", size: "1024x1024" }, { partialImages: 2, onPartialImage: (p) => seen.push(p.index) }),
      "OUTCOME_UNKNOWN",
    );
    check(seen.join() === "0", `the partial image before the break arrived: ${seen.join()}`);
    check((await generations()) === sent + 1, "the request was sent once, not again");
    check(/may|billed|charged/i.test(e.message), e.message);
    // The provider finishes the generation anyway and bills it: hence "unknown", not "failed".
    for (let i = 0; i < 100 && (await sb.ledger(KEYS.openai)).jobsCharged === ledger0.jobsCharged; i++) await sleep(50);
    check((await sb.ledger(KEYS.openai)).jobsCharged === ledger0.jobsCharged + 1, "the broken generation was billed");
  });

  const azureCalls = async (path) => (await sb.stats()).requests[`POST /openai/${path}`] ?? 0;

  add("azure: partialImages is refused before anything is sent", async () => {
    const before = await submits("azure");
    const e = await rejects(client("azure").generate(REQUESTS.azure, { partialImages: 2, onPartialImage: () => {} }), "INVALID_REQUEST");
    check(/partial/i.test(e.message), e.message);
    check((await submits("azure")) === before, "nothing was sent");
  });

  add("azure: an edit with a mask goes as multipart to the deployment; edits take no outputFormat", async () => {
    const c = client("azure");
    const photo = await c.generate({ prompt: "a photo", quality: "low", size: "1024x1024" });
    const sticker = await c.generate({ prompt: "a sticker", quality: "low", size: "1024x1024", background: "transparent" });
    const spec = edge.buildSubmitRequest("azure", { prompt: "x", references: ["https://cdn.example.com/a.png"], mask: "https://cdn.example.com/m.png" }, { ...setup("azure"), baseUrl: "https://res.openai.azure.com" });
    check(spec.url === "https://res.openai.azure.com/openai/deployments/gpt-image-2/images/edits?api-version=2025-04-01-preview", spec.url);
    check(spec.form === "multipart" && spec.multipart.files.map((f) => f.name).join() === "image,mask", JSON.stringify(spec.multipart));
    const before = await azureCalls("deployments/{deployment}/images/edits");
    const edited = await c.generate({ prompt: "paint the disc blue", quality: "low", references: [bytesOf(photo.images[0].b64)], mask: bytesOf(sticker.images[0].b64) });
    check(edited.status === "succeeded" && edited.images[0].b64 && edited.cost.exact, JSON.stringify(edited.cost));
    check(edited.cost.usd > photo.cost.usd, "the reference's image tokens are billed");
    check((await azureCalls("deployments/{deployment}/images/edits")) === before + 1, "one edit sent");
    // An edit with an output format: left out with a warning, or refused when strict.
    const v = edge.validateRequest("azure", { prompt: "x", references: ["https://cdn.example.com/a.png"], outputFormat: "jpeg" });
    check(v.ok && v.warnings[0]?.path === "outputFormat" && /edits/.test(v.warnings[0].message), JSON.stringify(v));
    check(!edge.validateRequest("azure", { prompt: "x", references: ["https://cdn.example.com/a.png"], outputFormat: "jpeg" }, { strict: true }).ok, "strict refuses it");
  });

  add("azure: the v1 API takes the deployment as model, webp and moderation, and no edits", async () => {
    const c = client("azure", { apiVersion: "v1" });
    const before = await azureCalls("v1/images/generations");
    const job = await c.generate({ prompt: "a fox", quality: "low", size: "1024x1024", outputFormat: "webp", moderation: "low" });
    check(job.status === "succeeded" && job.images[0].mimeType === "image/webp", JSON.stringify(job.images[0].mimeType));
    check((await azureCalls("v1/images/generations")) === before + 1, "sent to the v1 API");
    const spec = edge.buildSubmitRequest("azure", { prompt: "x" }, { ...setup("azure"), baseUrl: "https://res.openai.azure.com", apiVersion: "v1" });
    check(spec.url === "https://res.openai.azure.com/openai/v1/images/generations" && JSON.parse(spec.body).model === "gpt-image-2", spec.url + spec.body);
    await rejects(c.generate({ prompt: "x", references: ["https://cdn.example.com/a.png"] }), "INVALID_REQUEST");
    const v = edge.validateRequest("azure", { prompt: "x", references: ["https://cdn.example.com/a.png"] }, { apiVersion: "v1" });
    check(!v.ok && v.errors[0].path === "references", JSON.stringify(v));
    check(!edge.validateRequest("azure", { prompt: "x", outputFormat: "webp" }).ok, "the dated API has no webp");
  });

  add("azure: an Entra ID token through headers stands in for the key; setup errors name the option", async () => {
    const { apiKey, ...rest } = setup("azure");
    const c = new edge.ImageClient({ ...rest, baseUrl: sandboxUrl, headers: { Authorization: `Bearer ${apiKey}` } });
    const job = await c.generate({ prompt: "a fox", quality: "low" });
    check(job.status === "succeeded", "generated with the token");
    for (const [options, named] of [
      [{ ...rest, baseUrl: sandboxUrl }, "apiKey"],
      [{ ...setup("azure") }, "baseUrl"],
      [{ ...setup("azure"), baseUrl: sandboxUrl, deployment: undefined }, "deployment"],
      [{ ...setup("azure"), baseUrl: sandboxUrl, apiVersion: "latest" }, "apiVersion"],
      [{ ...setup("azure"), baseUrl: sandboxUrl, deployment: "../../v1" }, "deployment"],
    ]) {
      let err;
      try {
        new edge.ImageClient(options);
      } catch (e) {
        err = e;
      }
      check(err instanceof edge.GptImageError && err.code === "INVALID_REQUEST" && err.message.includes(`\`${named}\``), `${named}: ${err?.message}`);
    }
  });

  add("openrouter: partial images over its stream, the cost exact from usage.cost", async () => {
    const seen = [];
    const job = await client("openrouter").generate({ prompt: "a kite", quality: "low" }, { partialImages: 1, onPartialImage: (p) => seen.push(p.index) });
    check(seen.length >= 1, `partial images: ${seen.join()}`);
    check(job.status === "succeeded" && job.cost.exact && /usage\.cost/.test(job.cost.basis), JSON.stringify(job.cost));
    const estimate = client("openrouter").estimateCost({ prompt: "a kite", quality: "low" });
    check(/assumed/.test(estimate.basis) && !estimate.exact, estimate.basis);
  });

  add("apiframe: byte references go through uploadReference; without it they are refused, naming it", async () => {
    const png = bytesOf((await client("openai").generate({ prompt: "ref", quality: "low", size: "1024x1024" })).images[0].b64);
    const stored = [];
    const uploadReference = async (bytes, mimeType) => {
      stored.push({ size: bytes.length, mimeType });
      return `https://uploads.example.com/${stored.length}.png`;
    };
    const job = await client("apiframe", { uploadReference }).generate({ prompt: "in this style", quality: "low", references: [png, "https://cdn.example.com/b.png"] });
    check(job.status === "succeeded", job.status);
    check(stored.length === 1 && stored[0].size === png.length && stored[0].mimeType === "image/png", JSON.stringify(stored));
    const before = await submits("apiframe");
    const e = await rejects(client("apiframe").generate({ prompt: "x", references: [png] }), "INVALID_REQUEST");
    check(/uploadReference/.test(JSON.stringify(e.issues ?? [])) || /uploadReference/.test(e.message), e.message);
    const thrown = await rejects(client("apiframe", { uploadReference: async () => { throw new Error("bucket full"); } }).generate({ prompt: "x", references: [png] }), "INVALID_REQUEST");
    check(/bucket full/.test(JSON.stringify(thrown.issues ?? [])), JSON.stringify(thrown.issues));
    check((await submits("apiframe")) === before, "nothing submitted");
  });

  if (workerd.r2) {
    add("apiframe: uploadReference puts byte references into R2 (examples/worker/src/uploads.js)", async () => {
      const png = bytesOf((await client("openai").generate({ prompt: "ref", quality: "low", size: "1024x1024" })).images[0].b64);
      const uploadReference = workerd.r2Uploader(workerd.r2, "https://images.example.com");
      const job = await client("apiframe", { uploadReference }).generate({ prompt: "in this style", quality: "low", references: [png] });
      check(job.status === "succeeded", job.status);
      const listed = await workerd.r2.list({ prefix: "references/" });
      check(listed.objects.length === 1, `${listed.objects.length} objects`);
      const stored = await workerd.r2.get(listed.objects[0].key);
      check(stored.httpMetadata.contentType === "image/png" && (await stored.arrayBuffer()).byteLength === png.length, "the bytes, typed");
    });
  }

  const requestsSent = async () =>
    Object.entries((await sb.stats()).requests).reduce((sum, [route, n]) => (route.includes("/sandbox/") ? sum : sum + n), 0);
  const HOUR = 3_600_000;

  add("apiframe: a lost submit: getJob only reads, recover replays within the window, never after", async () => {
    await sb.fault("apiframe", "submit", "drop", { count: 10 });
    const c = client("apiframe", { maxRetries: 1 });
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const lost = await rejects(c.submit(REQUESTS.apiframe), "OUTCOME_UNKNOWN");
    await sb.clearFaults();
    const handle = lost.handle;
    check(handle.jobId === null && handle.request && handle.idempotencyKey, JSON.stringify(handle));
    // A read never sends the submit again.
    let before = await requestsSent();
    const read = await rejects(c.getJob(handle), "OUTCOME_UNKNOWN");
    check(read.handle && /recover/.test(read.message), read.message);
    check((await requestsSent()) === before, "getJob sent nothing");
    // Past the window (23 h of Apiframe's 24 h): recover and waitFor send nothing.
    const stale = { ...handle, submittedAt: Date.now() - 25 * HOUR };
    before = await requestsSent();
    const late = await rejects(c.recover(stale), "OUTCOME_UNKNOWN");
    check(/24 h/.test(late.message) && /23 h/.test(late.message), late.message);
    await rejects(c.waitFor(stale), "OUTCOME_UNKNOWN");
    check((await requestsSent()) === before, "recover and waitFor sent nothing outside the window");
    // Inside it: the same key finds the one job.
    const found = await c.recover(handle);
    check(typeof found.jobId === "string" && !found.request, JSON.stringify(found));
    const job = await c.waitFor(found);
    check(job.status === "succeeded", job.status);
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 1 && ledger1.jobsCharged - ledger0.jobsCharged === 1, `one job: ${JSON.stringify(ledger1)}`);
  });

  add("gptimage2ai, getimg, openai: recover never sends", async () => {
    for (const p of ["gptimage2ai", "getimg", "openai"]) {
      const handle = {
        v: 1, provider: p, jobId: null, idempotencyKey: `lost-${p}`, submittedAt: Date.now() - 1000,
        deadline: Date.now() + 60_000, count: 1, request: REQUESTS[p],
      };
      const before = await requestsSent();
      const e = await rejects(client(p).recover(handle), "OUTCOME_UNKNOWN");
      check(/bill twice/.test(e.message), e.message);
      await rejects(client(p).getJob(handle), "OUTCOME_UNKNOWN");
      await rejects(client(p).waitFor(handle), "OUTCOME_UNKNOWN");
      check((await requestsSent()) === before, `${p}: nothing sent`);
    }
  });

  add("budget and validation refuse before any request", async () => {
    const before = await submits("apiframe");
    await rejects(client("apiframe").generate({ prompt: "x", quality: "high" }, { maxCostUsd: 0.1 }), "BUDGET_EXCEEDED");
    await rejects(client("apiframe").generate({ prompt: "", count: 99 }), "INVALID_REQUEST");
    check((await submits("apiframe")) === before, "nothing was sent");
  });

  return list;
}
