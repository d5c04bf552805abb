// Host helpers for createRouteHandler: reading requests within limits,
// building responses, and WebCrypto for status tokens and derived keys.

/** The facts about a Request the route handler decides on. */
export function requestInfo(request) {
  const url = new URL(request.url);
  const h = request.headers;
  // The site's own origin as the browser sees it: the Host it asked for (a
  // framework may hand the handler a request.url on localhost).
  const host = h.get("host");
  return {
    method: request.method,
    path: url.pathname,
    ownOrigin: host ? `${url.protocol}//${host}` : url.origin,
    origin: h.get("origin"),
    idempotencyKey: h.get("idempotency-key"),
    accept: h.get("accept"),
    signature: h.get("x-webhook-signature"),
  };
}

/**
 * The body's bytes (a Uint8Array), or null when it is longer than `maxBytes`:
 * the declared length is checked first, and the bytes are counted while reading.
 */
export async function readBody(request, maxBytes) {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return all;
}

/**
 * A request body read as JSON, within bounds: `{ value }`, `{ tooMany: true }` when an object
 * or list has more than `maxEntries` entries, or `{ invalid: true }` (not JSON, or nested
 * deeper than 32). Bad UTF-8 reads as U+FFFD, as a browser's TextDecoder does.
 */
export function readJson(bytes, maxEntries) {
  let value;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { invalid: true };
  }
  const tooBig = (v, depth) => {
    if (v === null || typeof v !== "object") return false;
    if (depth > 32) return "deep";
    const items = Array.isArray(v) ? v : Object.values(v);
    if (items.length > maxEntries) return "many";
    for (const item of items) {
      const why = tooBig(item, depth + 1);
      if (why) return why;
    }
    return false;
  };
  const why = tooBig(value, 0);
  if (why === "many") return { tooMany: true };
  if (why === "deep") return { invalid: true };
  return { value };
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
