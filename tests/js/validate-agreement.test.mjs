// validateRequest answers plain, valid requests in JavaScript (npm/fast-path.mjs)
// and everything else in the core. The two must never disagree: on thousands
// of generated requests, the package's answer equals the core's (reached by
// giving the same fields on an object the fast path does not take), and every
// request the fast path accepts is one the core finds valid with no warnings.
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { estimateCost, providerInfo, validateRequest } from "gpt-image-edge";
import { test } from "./harness.mjs";

const { fastEstimate, fastValidate } = await import(pathToFileURL(`${process.env.REPO}/npm/fast-path.mjs`).href);
const { certainlyValid } = fastValidate(providerInfo, () => {
  throw new Error("not used");
});

/** The same own fields on an object whose prototype is not Object.prototype: the core decides. */
const viaCore = (request) => (request !== null && typeof request === "object" && !Array.isArray(request) ? Object.assign(Object.create(Object.create(null)), request) : request);

// A small seeded generator: the same requests on every run.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const long = (n, c = "x") => c.repeat(n);
const URLS = [
  "https://cdn.example.com/a.png", "https://images.acme.io/p/q/r.webp", "https://a-b.c-d.shop/x_y~z.jpg", "https://cdn.acme.co",
  "https://cdn.acme.co/", "https://cdn.acme.co/a/../b.png", "https://cdn.acme.co/!$&'()*+,;=:@", `https://cdn.acme.co/${long(1960)}`,
  `https://cdn.acme.co/${long(2040)}`, `https://cdn.acme.co/${long(2100)}`, "http://cdn.acme.co/a.png", "https://10.0.0.1/x",
  "https://127.0.0.1/x", "https://0x7f.1/x", "https://2130706433/x", "https://[::1]/x", "https://localhost/x", "https://api.localhost/x",
  "https://printer.local/x", "https://metadata.google.internal/x", "https://nas.lan/x", "https://x.home.arpa/x", "https://wiki.intranet/x",
  "https://intranet/x", "https://user@cdn.acme.co/x", "https://user:pw@cdn.acme.co/x", "https://cdn.acme.co:8443/x", "https://cdn.acme.co/%2F",
  "https://cdn.acme.co/%zz", "https://cdn.acme.co/a?b=c", "https://cdn.acme.co/a#f", "HTTPS://CDN.ACME.CO/A.PNG", "https://CDN.acme.co/a",
  "https://cdn.acme.co./x", "https://-cdn.acme.co/x", "https://cdn-.acme.co/x", "https://a.b/x", "https://xn--bcher-kva.example/x",
  "https://bücher.example/x", "https://cdn.acme.co/a b", " https://cdn.acme.co/x", "https://cdn.acme.co/x ", "https://cdn.acme.co/\u00e9",
  "data:image/png;base64,iVBORw0KGgo=", "data:text/plain,hi", "ftp://cdn.acme.co/x", "//cdn.acme.co/x", "", "https://", "https:///x",
  "https://cdn.acme.123/x", "https://cdn.acme.c0m/x", "https://cdn..acme.co/x", `https://${long(64, "a")}.co/x`, `https://${long(63, "a")}.co/x`,
  "https://acme.test/x", "https://acme.example/x", "https://acme.invalid/x", "https://acme.onion/x", "https://a.b.c.d.e.f.g.co/x",
];
const PROMPTS = [
  "a lighthouse at dusk", "", " ", "\t\n", "\u0085", "\u00a0x\u00a0", "\ufeff", "\ufeffx", "\u3000", "\u3000a\u3000", "\u200b", " x ", "é", "😀",
  "x", "\u0000", "a\u0000b", long(2000), long(2001), long(1999) + "😀", long(1998) + "😀", ` ${long(2000)} `, long(4000), long(32000), long(32001),
  5, null, undefined, ["a"], {}, true,
];
const COUNTS = [1, 2, 4, 10, 11, 0, -1, 2.5, "2", NaN, Infinity, -0, 1e300, null, undefined, true, 4.000000000000001];
const EXTRA_KEYS = ["aspect_ratio", "model", "n", "Prompt", "", "__proto__", "constructor", "toString", "hasOwnProperty"];

function valuesFor(field, p, all) {
  const lists = { aspectRatio: "aspectRatios", resolution: "resolutions", quality: "qualities", outputFormat: "outputFormats", moderation: "moderations", background: "backgrounds", inputFidelity: "inputFidelities" };
  if (field === "prompt") return PROMPTS;
  if (field === "count") return COUNTS;
  if (field === "references") return null;
  if (lists[field]) {
    const others = Object.values(all).flatMap((q) => q[lists[field]]);
    return [...new Set([...p[lists[field]], ...others, "AUTO", "", " low", 1, null, undefined, ["low"]])];
  }
  return ["1024x1024", "auto", "studio", 50, "x", null, undefined];
}

/** What a form sends: a prompt and settings picked from the provider's lists, now and then one off. */
function formLike(random, p) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const request = { prompt: random() < 0.9 ? "A lighthouse on a cliff at dusk" : pick(PROMPTS) };
  const lists = { aspectRatio: "aspectRatios", resolution: "resolutions", quality: "qualities", outputFormat: "outputFormats", moderation: "moderations" };
  for (const [field, list] of Object.entries(lists)) {
    if (random() < 0.4 && p[list].length) request[field] = random() < 0.95 ? pick(p[list]) : pick(["AUTO", "", 3, null, undefined]);
  }
  if (random() < 0.4) request.count = random() < 0.9 ? p.count.min + Math.floor(random() * (p.count.max - p.count.min + 1)) : pick(COUNTS);
  if (random() < 0.3) request.references = Array.from({ length: 1 + Math.floor(random() * 2) }, () => (random() < 0.9 ? URLS[Math.floor(random() * 4)] : pick(URLS)));
  return request;
}

function generate(random, p, all) {
  if (random() < 0.5) return formLike(random, p);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const fields = ["prompt", "aspectRatio", "resolution", "quality", "outputFormat", "moderation", "count", "references", "background", "size", "outputCompression", "style", "user", "inputFidelity", "mask"];
  const request = {};
  if (random() < 0.93) request.prompt = random() < 0.7 ? "a lighthouse at dusk" : pick(PROMPTS);
  for (const f of fields.slice(1)) {
    const r = random();
    if (r > (f === "references" ? 0.35 : 0.25)) continue;
    if (f === "references") {
      const n = random() < 0.1 ? pick([0, p.referencesMax, p.referencesMax + 1]) : 1 + Math.floor(random() * 3);
      request.references = Array.from({ length: n }, () => (random() < 0.6 ? URLS[Math.floor(random() * 4)] : pick(URLS)));
      if (random() < 0.05) request.references = pick(["https://cdn.acme.co/x", null, {}, [1], [null], new Array(2)]);
    } else {
      request[f] = pick(valuesFor(f, p, all));
    }
  }
  if (random() < 0.08) request[pick(EXTRA_KEYS)] = pick(["x", 1, null, undefined]);
  if (random() < 0.03) request.fn = () => 1;
  return request;
}

test("the fast path of validateRequest agrees with the core on 24,000 generated requests", () => {
  const all = providerInfo();
  const random = rng(20261129);
  let accepted = 0;
  let total = 0;
  for (const provider of Object.keys(all)) {
    const p = all[provider];
    for (let i = 0; i < 6000; i++) {
      const request = generate(random, p, all);
      const options = [undefined, undefined, {}, { strict: true }, { allowLocalUrls: true }, { strict: "yes" }][i % 6];
      let expected;
      try {
        expected = validateRequest(provider, viaCore(request), options);
      } catch (e) {
        expected = { threw: e.code };
      }
      let got;
      try {
        got = validateRequest(provider, request, options);
      } catch (e) {
        got = { threw: e.code };
      }
      const where = `${provider} ${JSON.stringify(request)} ${JSON.stringify(options)}`;
      assert.deepEqual(got, expected, where);
      if (certainlyValid(provider, request, options)) {
        accepted++;
        assert.ok(expected.ok && expected.warnings.length === 0, `accepted without the core, but the core says ${JSON.stringify(expected)}: ${where}`);
      }
      total++;
    }
  }
  // Not vacuous: a fair share of the requests took the fast path, and a fair share did not.
  assert.ok(accepted > total * 0.15 && accepted < total * 0.85, `${accepted} of ${total} accepted without the core`);
});

test("edge cases the fast path must leave to the core", () => {
  const cases = [
    ["apiframe", { prompt: "\u0085" }],
    ["apiframe", { prompt: "\ufeff" }],
    ["apiframe", { prompt: "x", references: ["https://printer.local/x"] }],
    ["apiframe", { prompt: "x", references: ["https://0x7f.1/x"] }],
    ["openai", { prompt: "x", moderation: "low", references: ["https://cdn.acme.co/a.png"] }],
    ["apiframe", { prompt: "x", references: [] }],
    ["apiframe", Object.assign(Object.create({ prompt: "inherited" }), { quality: "low" })],
    ["apiframe", { prompt: "x", toJSON: () => ({}) }],
  ];
  for (const [provider, request] of cases) {
    assert.equal(certainlyValid(provider, request), false, JSON.stringify(request));
    assert.deepEqual(validateRequest(provider, request), validateRequest(provider, viaCore(request)));
  }
  assert.equal(certainlyValid("apiframe", { prompt: "a lighthouse", quality: "low", count: 2, references: ["https://cdn.acme.co/a.png"] }), true);
  assert.equal(certainlyValid("apiframe", { prompt: "a lighthouse" }, { strict: true }), true);
  assert.equal(certainlyValid("nope", { prompt: "a lighthouse" }), false);
});

/** An answer or the code it threw. */
function outcome(fn) {
  try {
    return { ...fn() };
  } catch (e) {
    return { threw: e.code ?? String(e) };
  }
}

test("the fast path of estimateCost agrees with the core on 24,000 generated requests", () => {
  const all = providerInfo();
  const random = rng(20261202);
  // The core, counting what it is asked: the request itself means the fast path
  // did not take it (its words are asked for with a request of its own).
  const asked = new Set();
  const inCore = (provider, request, options) => (asked.add(request), estimateCost(provider, viaCore(request), options));
  const { estimateCost: fast } = fastEstimate(providerInfo, certainlyValid, inCore);
  const OPTIONS = [undefined, undefined, {}, { plan: "payg" }, { plan: "growth" }, { plan: "monthly" }, { plan: 3 }, { strict: true }, { creditPriceUsd: 0.02 }, { plan: "growth", strict: true }];
  let total = 0;
  let answeredFast = 0;
  const fastKinds = new Set();
  for (const provider of Object.keys(all)) {
    const p = all[provider];
    for (let i = 0; i < 3000; i++) {
      const request = generate(random, p, all);
      if (random() < 0.3 && p.models.length > 1) request.model = p.models[Math.floor(random() * p.models.length)].id;
      const options = OPTIONS[i % OPTIONS.length];
      const where = `${provider} ${JSON.stringify(request)} ${JSON.stringify(options)}`;
      const expected = outcome(() => estimateCost(provider, viaCore(request), options));
      asked.clear();
      const got = outcome(() => fast(provider, request, options));
      assert.deepEqual(got, expected, where);
      // The package's own estimateCost is this fast path, bundled.
      assert.deepEqual(outcome(() => estimateCost(provider, request, options)), expected, `the package: ${where}`);
      if (!asked.has(request)) {
        answeredFast++;
        fastKinds.add(provider);
      }
      total++;
    }
  }
  // Not vacuous: every provider priced per image took the fast path, and a fair share did not.
  assert.deepEqual([...fastKinds].sort(), ["apiframe", "getimg", "gptimage2ai", "replicate"]);
  assert.ok(answeredFast > total * 0.1 && answeredFast < total * 0.6, `${answeredFast} of ${total} priced without the core`);
  console.log(`     ${answeredFast} of ${total} priced without the core`);
});

test("estimateCost's fast answer: the figures and the core's words of the request as it was, as plain fields", () => {
  const core = estimateCost("apiframe", viaCore({ prompt: "a lighthouse", quality: "low", count: 3 }));
  const request = { prompt: "a lighthouse", quality: "low", count: 3 };
  const cost = estimateCost("apiframe", request);
  request.quality = "high"; // changed after the call: the answer is of the request as it was
  assert.deepEqual(cost, core);
  assert.equal(cost.basis, "4 credits per low-quality image x 3 images = 12 credits at $0.01 per credit (pay-as-you-go)");
  assert.equal(JSON.stringify(cost), JSON.stringify(core));
  // Every field a plain one (as console.log, structuredClone and frozen state see it).
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(cost))) {
    assert.ok("value" in d && d.enumerable && d.writable, `${key} is not a plain field`);
  }
  // Another prompt, the same tariff entry: the same words, the core's.
  const other = estimateCost("apiframe", { prompt: "a harbour at dawn", quality: "low", count: 3 });
  assert.deepEqual(other, estimateCost("apiframe", viaCore({ prompt: "a harbour at dawn", quality: "low", count: 3 })));
});
