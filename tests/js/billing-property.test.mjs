// The estimate is never below the bill: random valid requests for every
// provider, each priced first (estimateCost, or the route's answer), then made
// against the sandbox, whose ledger says what it billed. PROPERTY_CASES sets the
// number per provider (300 by default), PROPERTY_SEED the seed (printed).
import assert from "node:assert/strict";
import * as edge from "gpt-image-edge/route";
import { test } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";
import { pngHeaderDataUrl } from "./png.mjs";
import { KEYS, SETTINGS } from "./scenarios.mjs";

const CASES = Number(process.env.PROPERTY_CASES || 300);
const SEED = Number(process.env.PROPERTY_SEED || Date.now() % 2 ** 31);
const LANES = 8;
console.log(`billing property: ${CASES} requests per provider, seed ${SEED} (PROPERTY_SEED=${SEED} repeats it)`);

// One key per lane and provider, so each lane's ledger is its own.
const laneKey = (provider, lane) => `${KEYS[provider]}_lane${lane}`;
const keyArgs = Object.keys(KEYS).flatMap((p) => Array.from({ length: LANES }, (_, l) => ["--key", `${p}=${laneKey(p, l)}`]).flat());
const sandbox = await startSandbox(["--time-scale", "0", ...keyArgs]);
const info = edge.providerInfo();

/** mulberry32: a small seeded generator. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An image the sandbox serves, known to the estimate only by its URL. */
async function sandboxImageUrl() {
  const c = new edge.ImageClient({ provider: "getimg", apiKey: KEYS.getimg, baseUrl: sandbox.url });
  const job = await c.generate({ prompt: "a reference", aspectRatio: "3:2" });
  return job.images[0].url;
}
const byUrl = await sandboxImageUrl();

/** A random valid request for `provider`, and the partial images to stream (OpenAI). */
async function requestFor(provider, r) {
  const p = info[provider];
  const pick = (list) => list[Math.floor(r() * list.length)];
  const maybe = (chance) => r() < chance;
  const words = ["lighthouse", "dusk", "bicycle", "été", "東京", "🌊", "red", "long exposure", "studio"];
  const prompt = Array.from({ length: 1 + Math.floor(r() * 60) }, () => pick(words)).join(" ");
  const req = { prompt };
  const has = (f) => p.fields.includes(f);
  if (has("quality") && maybe(0.8)) req.quality = pick(p.qualities);
  const count = p.count.min + Math.floor(r() * (p.count.max - p.count.min + 1));
  if (maybe(0.7)) req.count = count;
  let partialImages = 0;
  if (p.size) {
    // The providers that take sizes (OpenAI, Azure, OpenRouter, fal).
    if (maybe(0.5)) {
      if (p.size.only.length > 0) {
        req.size = pick(p.size.only);
      } else {
        // A size from the whole documented range: edges multiples of 16, ratio within 3:1.
        for (;;) {
          const w = 16 * (16 + Math.floor(r() * 225));
          const h = 16 * (16 + Math.floor(r() * 225));
          const px = w * h;
          if (px >= 655360 && px <= 8294400 && Math.max(w, h) / Math.min(w, h) <= 3) {
            req.size = `${w}x${h}`;
            break;
          }
        }
      }
    } else if (maybe(0.6)) {
      req.aspectRatio = pick(p.aspectRatios);
      if (maybe(0.5)) req.resolution = pick(p.resolutions);
    }
    // Keep a request's images (and so the sandbox's rendering) within reason.
    if ((req.count ?? 1) > 3 && (req.size || req.resolution === "2K")) req.count = 3;
    req.outputFormat = pick(p.outputFormats);
    // Only the settings this provider has (fal takes sizes but no background or compression).
    if (has("background") && maybe(0.3)) req.background = req.outputFormat === "jpeg" ? "opaque" : pick(p.backgrounds);
    if (has("outputCompression") && req.outputFormat !== "png" && maybe(0.3)) req.outputCompression = Math.floor(r() * 101);
    if (has("references") && maybe(0.4)) {
      const n = 1 + Math.floor(r() * 5);
      req.references = [];
      for (let k = 0; k < n; k++) {
        req.references.push(maybe(0.3) ? byUrl : await pngHeaderDataUrl(64 + Math.floor(r() * 4000), 64 + Math.floor(r() * 4000)));
      }
      if (has("inputFidelity") && maybe(0.5)) req.inputFidelity = pick(p.inputFidelities);
      const first = req.references[0];
      if (has("mask") && maybe(0.2) && first !== byUrl) {
        const head = Buffer.from(first.split(",")[1], "base64");
        req.mask = await pngHeaderDataUrl(head.readUInt32BE(16), head.readUInt32BE(20), true);
      }
      // Where edits take fewer fields (Azure), only those.
      if (p.editFields) for (const k of Object.keys(req)) if (!p.editFields.includes(k)) delete req[k];
    } else if (has("moderation") && maybe(0.3)) {
      req.moderation = pick(p.moderations);
    }
    if (p.partialImages && maybe(0.4)) partialImages = Math.floor(r() * 4);
  } else {
    if (has("aspectRatio") && maybe(0.7)) req.aspectRatio = pick(p.aspectRatios);
    if (has("resolution") && maybe(0.5)) req.resolution = pick(p.resolutions);
    if (has("outputFormat") && maybe(0.5)) req.outputFormat = pick(p.outputFormats);
    if (has("background") && maybe(0.3)) req.background = pick(p.backgrounds);
    if (has("moderation") && maybe(0.3)) req.moderation = pick(p.moderations);
    if (has("style") && maybe(0.3)) req.style = pick(["editorial-photo", "studio-product", "cinematic"]);
    if (has("references") && maybe(0.3)) req.references = [byUrl];
  }
  return { req, partialImages };
}

/** What the lane's key has been billed so far: dollars, or credits where no dollar price is published. */
async function billed(provider, lane) {
  const l = await sandbox.ledger(laneKey(provider, lane));
  return { usd: l.usd, credits: l.credits };
}

for (const provider of Object.keys(KEYS)) {
  test(`billing property: ${provider}, billed <= estimate for ${CASES} random requests`, async () => {
    const rng = random(SEED + provider.length * 7919);
    const cases = [];
    for (let i = 0; i < CASES; i++) cases.push(await requestFor(provider, rng));
    const stats = { made: 0, viaRoute: 0, partial: 0, references: 0, maxRatio: 0 };
    const lane = async (l) => {
      const client = new edge.ImageClient({ provider, apiKey: laneKey(provider, l), ...SETTINGS[provider], baseUrl: sandbox.url, typicalDurationMs: 20 });
      const route = edge.createRouteHandler({
        provider,
        apiKey: laneKey(provider, l),
        ...SETTINGS[provider],
        baseUrl: sandbox.url,
        secret: "billing-property-secret-0123456789abcdef01234",
        public: true,
        typicalDurationMs: 20,
        maxBodyBytes: 1 << 20,
        allow: { references: true, maxCount: 10 },
        onError: () => {},
      });
      for (let i = l; i < cases.length; i += LANES) {
        const { req, partialImages } = cases[i];
        const before = await billed(provider, l);
        const viaRoute = i % 3 === 2 && partialImages === 0;
        let estimate;
        if (viaRoute) {
          const res = await route(new Request("http://localhost/api/images/generate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(req) }));
          const answer = await res.json();
          assert.ok(res.status === 200 || res.status === 202, `${provider} #${i} via the route: ${res.status} ${JSON.stringify(answer).slice(0, 300)} for ${JSON.stringify(req).slice(0, 300)}`);
          estimate = answer.estimate;
          if (answer.token) {
            for (let k = 0; k < 200; k++) {
              const job = await (await route(new Request(`http://localhost/api/images/jobs/${answer.token}`))).json();
              if (job.status === "succeeded" || job.status === "failed") break;
              await new Promise((ok) => setTimeout(ok, 20));
            }
          }
          stats.viaRoute++;
        } else {
          estimate = edge.estimateCost(provider, req, { allowLocalUrls: true, partialImages });
          const options = partialImages ? { partialImages, onPartialImage: () => {} } : {};
          await client.generate(req, options);
        }
        const after = await billed(provider, l);
        const spent = { usd: (after.usd ?? 0) - (before.usd ?? 0), credits: (after.credits ?? 0) - (before.credits ?? 0) };
        const what = `${provider} #${i}${viaRoute ? " (route)" : ""} ${JSON.stringify({ ...req, references: req.references?.length, mask: !!req.mask })} partialImages ${partialImages}`;
        if (estimate.usd !== null && estimate.usd !== undefined) {
          assert.ok(spent.usd <= estimate.usd + 1e-9, `${what}: billed $${spent.usd} > estimated $${estimate.usd}`);
          if (spent.usd > 0) stats.maxRatio = Math.max(stats.maxRatio, spent.usd / estimate.usd);
        }
        if (estimate.credits !== null && estimate.credits !== undefined) {
          assert.ok(spent.credits <= estimate.credits, `${what}: billed ${spent.credits} credits > estimated ${estimate.credits}`);
          if (estimate.usd == null && spent.credits > 0) stats.maxRatio = Math.max(stats.maxRatio, spent.credits / estimate.credits);
        }
        assert.ok(spent.usd > 0 || spent.credits > 0, `${what}: nothing was billed`);
        stats.made++;
        if (partialImages) stats.partial++;
        if (req.references) stats.references++;
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
    assert.equal(stats.made, CASES);
    console.log(`     ${provider}: ${stats.made} billed <= estimated (${stats.viaRoute} through the route, ${stats.references} with references, ${stats.partial} streamed with partial images); bill / estimate at most ${stats.maxRatio.toFixed(3)}`);
  });
}
