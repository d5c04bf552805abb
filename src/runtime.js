// Host helpers for the Rust client: timers, abort wiring and the browser
// check. They are JavaScript's own APIs, so they are written in JavaScript.

// setTimeout holds at most 2^31 - 1 ms: a longer delay fires at once. Timers
// here wait longer ones in steps.
const MAX_TIMER_MS = 2147483647;

/** A timer for any duration; cancel it with `cancelLater`. */
function later(fn, ms) {
  const timer = { id: undefined };
  let left = Math.max(0, Number(ms) || 0);
  const step = () => {
    if (left > MAX_TIMER_MS) {
      left -= MAX_TIMER_MS;
      timer.id = setTimeout(step, MAX_TIMER_MS);
    } else {
      timer.id = setTimeout(fn, left);
    }
  };
  step();
  return timer;
}

function cancelLater(timer) {
  clearTimeout(timer.id);
}

/** Resolve after `ms`, or reject as soon as `signal` aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(new Error("aborted"));
      return;
    }
    const onAbort = () => {
      cancelLater(timer);
      reject(new Error("aborted"));
    };
    const timer = later(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * One request's abort signal: fires after `timeoutMs`, or when the caller's
 * `parent` signal fires; remembers which. Aborts always carry an Error.
 */
export class RequestControl {
  constructor(timeoutMs, parent) {
    this.controller = new AbortController();
    this.timedOut = false;
    this.parentAborted = false;
    this.parent = parent || null;
    this.onAbort = () => {
      this.parentAborted = true;
      this.controller.abort(new Error("aborted"));
    };
    if (this.parent) {
      if (this.parent.aborted) this.onAbort();
      else this.parent.addEventListener("abort", this.onAbort, { once: true });
    }
    this.timer = later(() => {
      this.timedOut = true;
      this.controller.abort(new Error("timeout"));
    }, timeoutMs);
  }

  get signal() {
    return this.controller.signal;
  }

  dispose() {
    cancelLater(this.timer);
    if (this.parent) this.parent.removeEventListener("abort", this.onAbort);
  }
}

/**
 * The body of a Request or Response as bytes, within bounds: `{ bytes }`;
 * `{ tooLarge: true }` when it holds more than `maxBytes` (its Content-Length
 * is judged first, then the bytes are counted as they stream and the read is
 * cancelled as soon as they pass the limit: no more than the limit plus one
 * chunk is ever held); `{ timeout: true }` when the whole body has not arrived
 * within `timeoutMs` (optional: a body that trickles in cannot hold a request
 * open). The one bounded reader of the package (exported as `readBounded`).
 */
export async function readLimited(message, maxBytes, timeoutMs) {
  const body = message.body;
  const declared = Number(message.headers.get("content-length"));
  if (declared > maxBytes) {
    if (body) body.cancel().catch(() => {});
    return { tooLarge: true };
  }
  if (!body) return { bytes: new Uint8Array(0) };
  const reader = body.getReader();
  let timer;
  const late = timeoutMs > 0 ? new Promise((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))) : null;
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const next = await (late ? Promise.race([reader.read(), late]) : reader.read());
      if (next === null) {
        reader.cancel().catch(() => {});
        return { timeout: true };
      }
      if (next.done) break;
      total += next.value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => {});
        return { tooLarge: true };
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { bytes };
}

/**
 * A page or a web worker, where a key would be visible to users. Cloudflare
 * Workers look like web workers but are servers (navigator.userAgent says so).
 */
export function isBrowserLike() {
  const g = globalThis;
  if (typeof g.window !== "undefined" && typeof g.document !== "undefined" && typeof g.navigator !== "undefined") {
    return true;
  }
  const Scope = g.WorkerGlobalScope;
  if (typeof Scope === "function" && g instanceof Scope) {
    return !(g.navigator && g.navigator.userAgent === "Cloudflare-Workers");
  }
  return false;
}

/** Whether `v` is an AbortSignal (in any realm that has the class). */
export function isAbortSignal(v) {
  return typeof AbortSignal !== "undefined" && v instanceof AbortSignal;
}

/**
 * HMAC-SHA256 check of `body` against `signature` (bytes) with key
 * SHA-256(`keyText`), by WebCrypto, which compares in constant time.
 */
export function hmacSha256Verify(keyText, body, signature) {
  // The byte arrays are views into WebAssembly memory, valid only during this
  // call: copy them before the first await.
  return verifyCopies(keyText, body.slice(), signature.slice());
}

async function verifyCopies(keyText, body, signature) {
  const subtle = globalThis.crypto.subtle;
  const raw = await subtle.digest("SHA-256", new TextEncoder().encode(keyText));
  const key = await subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return subtle.verify("HMAC", key, signature, body);
}

/** `[[name, value], ...]` of a headers option: a plain object or a `Headers`, string values only. */
export function headerEntries(v) {
  const entries = typeof Headers !== "undefined" && v instanceof Headers ? [...v] : typeof v === "object" ? Object.entries(v) : null;
  if (!entries || entries.some(([, value]) => typeof value !== "string")) throw new TypeError("headers");
  return entries;
}

/**
 * The value of header `name` in a headers option (a `Headers`, or a plain object
 * whose keys are matched without regard to case), or null.
 */
export function headerValue(headers, name) {
  if (headers == null || typeof headers !== "object") return null;
  if (typeof Headers !== "undefined" && headers instanceof Headers) return headers.get(name);
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) return typeof v === "string" ? v : Array.isArray(v) ? v.join(" ") : null;
  }
  return null;
}

/**
 * Whether any of `signatures` (byte arrays) is the HMAC-SHA256 of `content` under
 * the raw key bytes `key`: WebCrypto's verify, in constant time, for each.
 */
export function hmacSha256VerifyAny(key, content, signatures) {
  // Views into WebAssembly memory: copied before the first await.
  return verifyAny(key.slice(), content.slice(), signatures.map((s) => s.slice()));
}

async function verifyAny(rawKey, content, signatures) {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey("raw", rawKey, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  let good = false;
  for (const s of signatures) {
    if (await subtle.verify("HMAC", key, s, content)) good = true;
  }
  return good;
}

/** Where fal publishes the keys its webhooks are signed with. */
export const FAL_JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json";
const JWKS_TTL_MS = 3_600_000;
let falJwksCache = null;

/** fal's JWKS: fetched once an hour at most, and kept (a failed fetch is not kept). */
async function defaultFalJwks() {
  if (falJwksCache && Date.now() - falJwksCache.at < JWKS_TTL_MS) return falJwksCache.jwks;
  const r = await fetch(FAL_JWKS_URL, { headers: { accept: "application/json" } });
  if (!r.ok) throw new Error(`fal's JWKS answered ${r.status}`);
  const jwks = await r.json();
  falJwksCache = { at: Date.now(), jwks };
  return jwks;
}

/**
 * Whether `signature` (64 bytes) is an Ed25519 signature, by any Ed25519 key of
 * `jwks` (fal's, fetched, when null), of `prefix` followed by the hex SHA-256 of
 * `body`: the four lines fal signs. WebCrypto does the hashing and the checks.
 */
export function ed25519VerifyFal(prefix, body, signature, jwks) {
  // Views into WebAssembly memory: copied before the first await.
  return verifyFal(prefix, body.slice(), signature.slice(), jwks);
}

async function verifyFal(prefix, body, signature, jwks) {
  const subtle = globalThis.crypto.subtle;
  const digest = new Uint8Array(await subtle.digest("SHA-256", body));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  const message = new TextEncoder().encode(prefix + hex);
  const set = jwks ?? (await defaultFalJwks());
  const keys = Array.isArray(set?.keys) ? set.keys : [];
  for (const k of keys) {
    if (!k || k.kty !== "OKP" || k.crv !== "Ed25519" || typeof k.x !== "string") continue;
    let key;
    try {
      key = await subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: k.x }, { name: "Ed25519" }, false, ["verify"]);
    } catch {
      continue; // not a usable key: the others may be
    }
    if (await subtle.verify({ name: "Ed25519" }, key, signature, message)) return true;
  }
  return false;
}
