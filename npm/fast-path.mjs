// validateRequest and estimateCost without entering WebAssembly when the
// answer is certain.
//
// A form's request is usually plain and fine: a prompt, a few settings chosen
// from lists, https references. For exactly those, every rule the core applies
// reduces to a membership, a range or a pattern on data the core exports
// (`providerInfo()`); anything else, and every problem, goes to the core, which
// alone writes issues and messages. The acceptor only ever says "valid, no
// warnings", and only when the core would say the same: `make test` checks
// that on thousands of generated requests (tests/js/validate-agreement.test.mjs).
//
// estimateCost does the same for a request the acceptor takes whose model is
// priced per image (credits or dollars by quality, resolution or flat): the
// figures are a lookup in the model's tariff as the core exports it (never a
// copy here) times the count; the words (`basis`) are the core's, asked for
// once per tariff entry. Token-billed models, and options beyond the plan, go
// to the core. The same test checks every field against the core's.

/** Settings a browser form sends that are checked by membership or range alone. */
const LISTED = { aspectRatio: "aspectRatios", resolution: "resolutions", quality: "qualities", outputFormat: "outputFormats", moderation: "moderations" };

// An https URL the core's URL rules accept whatever they say of hosts: a DNS
// name of letters, digits and hyphens under an alphabetic top-level label (never
// an IP address in any notation), no port, no credentials, no percent escapes,
// no query or fragment. Names the core refuses as internal are left to it.
const PLAIN_HTTPS = /^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63})(?:\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?$/;
const INTERNAL_LABELS = new Set(["localhost", "local", "internal", "lan", "arpa", "intranet", "test", "invalid", "example", "onion"]);
const URL_MAX = 2000; // the core's limit is 2048 characters

/** At least one visible ASCII character: blank under any notion of white space. */
const VISIBLE = /[!-~]/;

function plainObject(v) {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof v.toJSON !== "function";
}

function plainHttpsUrl(s) {
  if (typeof s !== "string" || s.length > URL_MAX) return false;
  const m = PLAIN_HTTPS.exec(s);
  return m !== null && !INTERNAL_LABELS.has(m[1]);
}

/** Per model: field name -> check of a present value (true: certainly fine). */
function compile(p) {
  const checks = new Map();
  // Where edits take fewer fields than generations, the fields they take.
  checks.editFields = p.editFields ? new Set(p.editFields) : null;
  const supported = new Set(p.fields);
  checks.set("prompt", (v) => typeof v === "string" && v.length <= p.promptMaxLength && VISIBLE.test(v));
  for (const [field, list] of Object.entries(LISTED)) {
    if (supported.has(field)) {
      const allowed = new Set(p[list]);
      checks.set(field, (v) => typeof v === "string" && allowed.has(v));
    }
  }
  if (supported.has("count")) checks.set("count", (v) => Number.isInteger(v) && v >= p.count.min && v <= p.count.max);
  if (supported.has("references")) {
    checks.set("references", (v) => {
      if (!Array.isArray(v) || v.length < 1 || v.length > p.referencesMax) return false;
      // Indexed, not `every`: a hole (a sparse array) is a null to the core.
      for (let i = 0; i < v.length; i++) if (!plainHttpsUrl(v[i])) return false;
      return true;
    });
  }
  return checks;
}

/** Per provider: its default model's checks, and each listed model's (by id). */
function compileProvider(p) {
  const checks = compile(p);
  // A provider with several APIs judges every model by its API's rules: the
  // default API's here (the top level); another API is named in the options,
  // which send the request to the core.
  const models = new Map(p.models.map((m) => [m.id, p.surfaces.length > 0 ? checks : compile(m)]));
  return { checks, models };
}

/**
 * `validateRequest` answering "valid" itself when that is certain, else the
 * core's (`validateInWasm`). `providerInfo` is the core's own description.
 */
export function fastValidate(providerInfo, validateInWasm) {
  let compiled = null;
  const rulesFor = (provider) => {
    compiled ??= new Map(Object.entries(providerInfo()).map(([id, p]) => [id, compileProvider(p)]));
    return typeof provider === "string" ? compiled.get(provider) : undefined;
  };

  /** Whether the core would find `request` valid with no warnings (false: ask it). */
  function certainlyValid(provider, request, options) {
    if (options !== undefined) {
      if (!plainObject(options)) return false;
      for (const key of Object.keys(options)) if (key !== "strict" && key !== "allowLocalUrls") return false;
      const { strict, allowLocalUrls } = options;
      if ((strict !== undefined && typeof strict !== "boolean") || (allowLocalUrls !== undefined && typeof allowLocalUrls !== "boolean")) return false;
    }
    const rules = rulesFor(provider);
    if (rules === undefined || !plainObject(request)) return false;
    // The model's own rules; a model the provider does not list is the core's to judge.
    let checks = rules.checks;
    const model = request.model;
    if (model !== undefined && model !== null) {
      checks = typeof model === "string" ? rules.models.get(model) : undefined;
      if (checks === undefined) return false;
    }
    let prompt = false;
    let references = false;
    let moderation = false;
    const keys = Object.keys(request);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const v = request[key];
      // Dropped by the conversion to JSON, as JSON.stringify drops them.
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      if (key === "model") continue; // judged above
      const check = checks.get(key);
      if (check === undefined) return false;
      if (v === null) continue; // a supported field left unset
      if (!check(v)) return false;
      if (key === "prompt") prompt = true;
      else if (key === "references") references = true;
      else if (key === "moderation") moderation = true;
    }
    // An edit where edits take fewer fields: each field must be one of them.
    if (references && checks.editFields !== null) {
      for (let i = 0; i < keys.length; i++) {
        const v = request[keys[i]];
        if (v !== undefined && v !== null && keys[i] !== "model" && !checks.editFields.has(keys[i])) return false;
      }
    }
    // A combination only some forms of a provider's API take (OpenAI takes `moderation`
    // on edits only as JSON) is judged by the whole request: that is the core's.
    return prompt && !(moderation && references);
  }

  function validateRequest(provider, request, options) {
    if (certainlyValid(provider, request, options)) return { ok: true, errors: [], warnings: [] };
    return validateInWasm(provider, request, options);
  }

  return { validateRequest, certainlyValid };
}

/** The entry of a `[key, value]` table for `key` (undefined: the core decides). */
const entry = (table, key) => table.find((e) => e[0] === key)?.[1];

/** Rounded to a millionth of a dollar, as the core rounds (`price::round_usd`). */
const roundUsd = (x) => Math.round(x * 1e6) / 1e6;

/**
 * `estimateCost` answering itself where the request is certainly valid and its
 * model priced per image, else the core's (`estimateInWasm`).
 */
export function fastEstimate(providerInfo, certainlyValid, estimateInWasm) {
  let tariffs = null;
  const tariffOf = (provider, model) => {
    tariffs ??= new Map(
      Object.entries(providerInfo()).map(([id, p]) => [id, { model: p.defaultModel, of: new Map(p.models.map((m) => [m.id, m.tariff])) }]),
    );
    const t = tariffs.get(provider);
    return t.of.get(model ?? t.model);
  };

  /** `{ credits, usd, exact }` for `n` images, or undefined when the core must price it. */
  function figures(tariff, request, n, plan) {
    switch (tariff.kind) {
      case "creditsPerQuality": {
        const per = entry(tariff.credits, request.quality ?? tariff.defaultQuality);
        const rate = tariff.plans.find((p) => p.plan === (plan ?? tariff.defaultPlan));
        if (per === undefined || rate === undefined) return undefined;
        return { credits: per * n, usd: roundUsd(per * n * rate.usdPerCredit), exact: true };
      }
      case "creditsPerImage":
        // No published price per credit: dollars only from `creditPriceUsd` (the core's).
        return plan === undefined ? { credits: tariff.credits * n, usd: null, exact: true } : undefined;
      case "usdPerResolution": {
        const per = entry(tariff.usd, request.resolution ?? tariff.defaultResolution);
        return per === undefined || plan !== undefined ? undefined : { credits: null, usd: roundUsd(per * n), exact: true };
      }
      case "usdPerQuality": {
        const per = entry(tariff.usd, request.quality ?? tariff.defaultQuality);
        return per === undefined || plan !== undefined ? undefined : { credits: null, usd: roundUsd(per * n), exact: false };
      }
      default:
        return undefined; // tokens: from the prompt, sizes and input images, by the core
    }
  }

  function estimateCost(provider, request, options) {
    let plan;
    let validateOptions = options;
    if (options !== undefined && plainObject(options) && "plan" in options) {
      ({ plan, ...validateOptions } = options);
      if (typeof plan !== "string") return estimateInWasm(provider, request, options);
    }
    if (!certainlyValid(provider, request, validateOptions)) return estimateInWasm(provider, request, options);
    const model = request.model ?? undefined;
    const n = request.count ?? 1;
    const f = figures(tariffOf(provider, model), request, n, plan);
    if (f === undefined) return estimateInWasm(provider, request, options);
    return { provider, images: n, credits: f.credits, usd: f.usd, exact: f.exact, basis: basisOf(provider, model, request, n, plan) };
  }

  // The core's words for each tariff entry priced here, asked for once: like
  // the figures, they depend only on these fields (the agreement test holds
  // them to the core's for every request). Bounded: the keys are entries of
  // the tariffs, and the table starts again should it ever pass 512.
  const words = new Map();
  function basisOf(provider, model, request, n, plan) {
    const { prompt, quality, resolution } = request;
    const key = `${provider}\0${model ?? ""}\0${quality ?? ""}\0${resolution ?? ""}\0${n}\0${plan ?? ""}`;
    let text = words.get(key);
    if (text === undefined) {
      const priced = { prompt, model, quality: quality ?? undefined, resolution: resolution ?? undefined, count: n };
      text = estimateInWasm(provider, priced, plan === undefined ? undefined : { plan }).basis;
      if (words.size >= 512) words.clear();
      words.set(key, text);
    }
    return text;
  }

  return { estimateCost };
}

