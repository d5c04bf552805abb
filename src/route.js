// Host helpers for createRouteHandler: reading requests within limits,
// building responses, and WebCrypto for status tokens and derived keys.

/** The facts about a Request the route handler decides on. */
export function requestInfo(request) {
  const url = new URL(request.url);
  const h = request.headers;
  return {
    method: request.method,
    path: url.pathname,
    // The authority the browser asked for (a framework may hand the handler a
    // request.url on localhost, or with the scheme a proxy in front changed).
    host: h.get("host") || url.host,
    origin: h.get("origin"),
    secFetchSite: h.get("sec-fetch-site"),
    contentType: h.get("content-type"),
    idempotencyKey: h.get("idempotency-key"),
    accept: h.get("accept"),
    // Webhook verification reads the provider's own signature headers.
    headers: h,
  };
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What `authorize` returned: `{ principal }` for a non-empty string of well-formed text,
 * `{ malformed: true }` for a string with a lone surrogate (which would read as U+FFFD, the
 * same as any other such string: two users would become one), `{}` for anything else.
 */
export function principalOf(value) {
  if (typeof value !== "string" || value.length === 0) return {};
  const wellFormed = typeof value.isWellFormed === "function" ? value.isWellFormed() : !loneSurrogate.test(value);
  return wellFormed ? { principal: value } : { malformed: true };
}

/** The owner's report, when no `onError` is given: one line on the server's error log. */
export function logReport(report) {
  const e = report.error || {};
  console.error(`gpt-image-edge route: ${report.route} answered ${report.status} ${report.code}: ${e.code || ""} ${e.message || ""}`.trim());
}

/** Lower-case hex SHA-256 of bytes (copied first: a view into WebAssembly memory moves). */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A promise and the function that settles it, for a replayed request to wait on the first
 * one's answer.
 */
export function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const eventEncoder = new TextEncoder();

/**
 * The body of a server-sent event stream: events are written as they come, a
 * comment line every `heartbeatMs` keeps proxies from cutting a silent
 * connection, and `signal` aborts when the reader goes away (the stream is
 * cancelled, or the request's own signal aborts).
 */
export class EventStream {
  constructor(heartbeatMs, request) {
    this.closed = false;
    this.aborter = new AbortController();
    this.signal = this.aborter.signal;
    this.body = new ReadableStream({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => this.gone(),
    });
    this.timer = setInterval(() => this.write(": keep-alive\n\n"), heartbeatMs);
    const signal = request && request.signal;
    if (signal) {
      if (signal.aborted) this.gone();
      else signal.addEventListener("abort", () => this.gone(), { once: true });
    }
  }

  /** Write text (whole events or comments); nothing once closed. */
  write(text) {
    if (this.closed) return;
    try {
      this.controller.enqueue(eventEncoder.encode(text));
    } catch {
      this.gone();
    }
  }

  /** The last event was written: end the stream. */
  close() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      this.controller.close();
    } catch {
      // already cancelled
    }
  }

  /** The reader went away: stop the heartbeat and tell the writer. */
  gone() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.aborter.abort(new Error("the reader went away"));
  }
}

/** A Response with exactly these headers (`[[name, value], ...]`). */
export function respond(status, body, headers) {
  return new Response(status === 204 ? null : body, { status, headers });
}

/** The same, its body an event stream. */
export function respondStream(stream, headers) {
  return new Response(stream.body, { status: 200, headers });
}

const encoder = new TextEncoder();
const tokenKeys = new Map();

async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function tokenKey(secret) {
  let key = tokenKeys.get(secret);
  if (!key) {
    key = sha256(`gpt-image-edge/token/v1\n${secret}`).then((raw) =>
      crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]),
    );
    tokenKeys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Encrypt and authenticate `text` (AES-GCM, key from the secret): an opaque token. */
export async function sealToken(secret, text) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await tokenKey(secret), encoder.encode(text)));
  const out = new Uint8Array(12 + sealed.length);
  out.set(iv);
  out.set(sealed, 12);
  return toBase64Url(out);
}

/** The text a token was sealed from, or null for a tampered or foreign token. */
export async function openToken(secret, token) {
  try {
    const bytes = fromBase64Url(token);
    if (bytes.length < 29) return null;
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, await tokenKey(secret), bytes.slice(12));
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

const hmacKeys = new Map();

/** HMAC-SHA256 of `text` keyed with the secret, as lowercase hex. */
export async function keyedHex(secret, text) {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secret, key);
  }
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(text)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Most idempotent answers kept at once, their bytes, and how long (a day). */
const MAX_ANSWERS = 10000;
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const ANSWER_TTL_MS = 86400000;
/** Most webhook deliveries remembered at once. */
const MAX_DELIVERIES = 100000;

/**
 * What a route remembers between requests, in this instance: the first answer under each
 * derived idempotency key (its body's digest and a promise of its reply), and the webhook
 * deliveries already handed on. Maps keep insertion order: the oldest go first.
 */
export class RouteMemory {
  constructor() {
    this.answers = new Map();
    this.answerBytes = 0;
    this.deliveries = new Map();
  }

  /** `{ digest, reply }` of the first request under `key`, while it is kept. */
  answer(key, now) {
    const a = this.answers.get(key);
    if (a && a.expiresAt <= now) {
      this.forget(key);
      return undefined;
    }
    return a;
  }

  /** Keep the first request's digest and the promise of its reply. */
  keep(key, digest, reply, now) {
    while (this.answers.size >= MAX_ANSWERS) this.forget(this.answers.keys().next().value);
    this.answers.set(key, { digest, reply, expiresAt: now + ANSWER_TTL_MS, bytes: 0 });
  }

  /** The first reply is `bytes` long: count it, and let the oldest go while too much is kept. */
  settled(key, bytes) {
    const a = this.answers.get(key);
    if (a) {
      a.bytes = bytes;
      this.answerBytes += bytes;
    }
    while (this.answerBytes > MAX_ANSWER_BYTES && this.answers.size > 1) this.forget(this.answers.keys().next().value);
  }

  /** Forget `key`: its first request was refused before anything was sent. */
  forget(key) {
    const a = this.answers.get(key);
    if (a) {
      this.answerBytes -= a.bytes;
      this.answers.delete(key);
    }
  }

  /** Record a delivery; false when it was seen before and is still remembered. */
  firstDelivery(digest, now, memoryMs) {
    const until = this.deliveries.get(digest);
    if (until !== undefined && until > now) return false;
    this.deliveries.delete(digest);
    while (this.deliveries.size >= MAX_DELIVERIES) this.deliveries.delete(this.deliveries.keys().next().value);
    for (const [d, t] of this.deliveries) {
      if (t > now) break;
      this.deliveries.delete(d);
    }
    this.deliveries.set(digest, now + memoryMs);
    return true;
  }

  /** Forget a delivery whose handling failed: the provider's retry is new. */
  forgetDelivery(digest) {
    this.deliveries.delete(digest);
  }
}

/** Base64 of bytes, in chunks (a large image would overflow the arguments of one call). */
function base64Of(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * A multipart body of OpenAI's image edits as `{ fields, images, mask }`: its text fields
 * (numbers and booleans as OpenAI's form encoding writes them), and the `image`, `image[]`
 * and `mask` files as data URLs. The body was read within the route's limits already.
 */
export async function readImageForm(bytes, contentType) {
  const form = await new Response(bytes.slice(), { headers: { "content-type": contentType } }).formData();
  const fields = {};
  const images = [];
  let mask = null;
  for (const [name, value] of form.entries()) {
    if (typeof value !== "string") {
      const type = value.type && value.type.startsWith("image/") ? value.type : "image/png";
      const url = `data:${type};base64,${base64Of(new Uint8Array(await value.arrayBuffer()))}`;
      if (name === "mask") mask = url;
      else if (name === "image" || name === "image[]") images.push(url);
      else fields[name] = url;
      continue;
    }
    if (name === "image" || name === "image[]") images.push(value);
    else if (name === "mask") mask = value;
    else if (/^-?\d+$/.test(value) && ["n", "output_compression", "partial_images"].includes(name)) fields[name] = Number(value);
    else if ((value === "true" || value === "false") && name === "stream") fields[name] = value === "true";
    else fields[name] = value;
  }
  return { fields, images, mask };
}
