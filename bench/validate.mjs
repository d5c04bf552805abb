// (a) validateRequest("apiframe", ...) and estimateCost against zod 4 with a
// z.strictObject schema of the same Apiframe rules (core/src/provider.rs,
// core/src/request.rs). Both sides must agree on every request (valid or not,
// and how many problems) before anything is timed. Rounds alternate between
// the two so that drift of the machine falls on both.
import { estimateCost, validateRequest } from "gpt-image-edge";
import { median, peer, progress } from "./common.mjs";

/** Apiframe's rules as a zod 4 schema; null counts as absent, as in validateRequest. */
export function apiframeSchema(z) {
  const httpsUrl = z.url({ protocol: /^https$/, hostname: z.regexes.domain }).max(2048);
  return z.strictObject({
    prompt: z.string().trim().min(1).max(2000),
    references: z.array(httpsUrl).max(16).nullish(),
    aspectRatio: z.enum(["1:1", "3:2", "2:3"]).nullish(),
    quality: z.enum(["low", "medium", "high", "auto"]).nullish(),
    outputFormat: z.enum(["png", "jpeg", "webp"]).nullish(),
    background: z.enum(["auto", "opaque"]).nullish(),
    moderation: z.enum(["auto", "low"]).nullish(),
    count: z.int().min(1).max(10).nullish(),
    webhookUrl: httpsUrl.nullish(),
  });
}

/** Apiframe's tariff, as estimateCost applies it (pay-as-you-go, $0.01 a credit). */
function zodCost(schema, request) {
  const r = schema.parse(request);
  const credits = ({ low: 4, medium: 9 }[r.quality ?? "auto"] ?? 23) * (r.count ?? 1);
  return { provider: "apiframe", images: r.count ?? 1, credits, usd: credits / 100, exact: true };
}

export const REQUESTS = {
  "`{ prompt }`": { prompt: "a lighthouse at dusk" },
  "typical (prompt, quality, aspectRatio, count, outputFormat)": { prompt: "A lighthouse on a cliff at dusk, long exposure", quality: "high", aspectRatio: "3:2", count: 2, outputFormat: "webp" },
  "two https references": { prompt: "Put the lamp of the first image in the room of the second", references: ["https://cdn.example.com/lamp.png", "https://images.example.org/room.jpg"] },
  "invalid, 5 problems": { prompt: "  ", quality: "ultra", aspectRatio: "16:9", count: 99, references: ["http://cdn.example.com/lamp.png"] },
};

/** Time both sides run, alternating, before any round is timed. */
export const WARM_UP_MS = 500;

/** µs per call of `fn`, the median of `rounds` rounds of `calls` calls each, for both sides. */
function race(ours, theirs, { rounds, calls }) {
  let sink = 0;
  // Warm up both until steady: V8 first runs WebAssembly (and JavaScript)
  // unoptimised and compiles the optimised code in the background, which on
  // a busy 2-core machine can take a good part of a second.
  const warmUntil = performance.now() + WARM_UP_MS;
  for (let i = 0; i < 2000 || performance.now() < warmUntil; i++) sink ^= ours() ^ theirs();
  const times = { ours: [], theirs: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [["theirs", theirs], ["ours", ours]] : [["ours", ours], ["theirs", theirs]];
    for (const [side, fn] of order) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) sink ^= fn();
      times[side].push(((performance.now() - t0) * 1000) / calls);
    }
  }
  if (sink === 0.5) console.log(""); // keeps the calls from being optimised away
  return { ours: median(times.ours), theirs: median(times.theirs) };
}

export async function validation({ rounds = 5, calls = 20_000 } = {}) {
  const { z } = await peer("zod");
  const schema = apiframeSchema(z);
  const rows = [];
  for (const [name, request] of Object.entries(REQUESTS)) {
    const mine = validateRequest("apiframe", request);
    const zod = schema.safeParse(request);
    const problems = mine.errors.length;
    if (mine.ok !== zod.success || problems !== (zod.success ? 0 : zod.error.issues.length)) {
      throw new Error(`validateRequest and zod disagree on "${name}": ${JSON.stringify(mine.errors)} vs ${JSON.stringify(zod.error?.issues)}`);
    }
    if (name.startsWith("invalid") && problems !== 5) throw new Error(`"${name}" has ${problems} problems, not 5`);
    progress(`validation: ${name}`);
    const t = race(() => (validateRequest("apiframe", request).ok ? 1 : 2), () => (schema.safeParse(request).success ? 1 : 2), { rounds, calls });
    rows.push({ name, ...t });
  }
  const typical = REQUESTS["typical (prompt, quality, aspectRatio, count, outputFormat)"];
  const mine = estimateCost("apiframe", typical);
  const zod = zodCost(schema, typical);
  if (mine.credits !== zod.credits || mine.usd !== zod.usd) throw new Error(`estimateCost and the zod tariff disagree: ${JSON.stringify(mine)} vs ${JSON.stringify(zod)}`);
  progress("validation: estimateCost");
  const t = race(() => estimateCost("apiframe", typical).credits, () => zodCost(schema, typical).credits, { rounds, calls });
  rows.push({ name: "estimateCost, typical (zod parse + the tariff)", ...t });
  return rows;
}
