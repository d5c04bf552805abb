// Who is calling, for the example: an anonymous visitor session, a random id
// in a cookie signed with the route secret. Your app would name its own
// signed-in user or tenant here instead.
const COOKIE = "gie_session";
const keys = new Map();

function hmacKey(secret) {
  if (!keys.has(secret)) {
    const raw = new TextEncoder().encode(secret);
    keys.set(secret, crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
  }
  return keys.get(secret);
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** The session id in the request's cookie, if its signature holds; else null. */
export async function sessionOf(request, secret) {
  const m = /(?:^|;\s*)gie_session=([0-9a-f-]{36})\.([0-9a-f]{64})(?:;|$)/.exec(request.headers.get("cookie") ?? "");
  if (!m) return null;
  const signature = Uint8Array.from(m[2].match(/../g), (h) => parseInt(h, 16));
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, new TextEncoder().encode(m[1]));
  return ok ? m[1] : null;
}

/** `response`, with a new session cookie when the request had none. */
export async function withSession(request, response, secret) {
  if (await sessionOf(request, secret)) return response;
  const id = crypto.randomUUID();
  const signature = hex(await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(id)));
  const secure = new URL(request.url).protocol === "https:" ? "; Secure" : "";
  const out = new Response(response.body, response);
  out.headers.append("set-cookie", `${COOKIE}=${id}.${signature}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000${secure}`);
  return out;
}
