// Who is calling, for the example: `Authorization: Bearer <user>.<signature>`,
// the signature an HMAC-SHA256 of the user id with the route secret (your app
// signs it at sign-in; `scripts/dev-jobs.mjs` prints two). Your app would name
// its own signed-in user here instead.
const keys = new Map();

function hmacKey(secret) {
  if (!keys.has(secret)) {
    const raw = new TextEncoder().encode(secret);
    keys.set(secret, crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
  }
  return keys.get(secret);
}

/** The bearer's user id if its signature holds; else null (refused). */
export async function userOf(request, secret) {
  const m = /^Bearer ([A-Za-z0-9_-]{1,64})\.([0-9a-f]{64})$/.exec(request.headers.get("authorization") ?? "");
  if (!m) return null;
  const signature = Uint8Array.from(m[2].match(/../g), (h) => parseInt(h, 16));
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, new TextEncoder().encode(m[1]));
  return ok ? m[1] : null;
}

/** A bearer token for `user` (what your sign-in would hand out). */
export async function tokenFor(user, secret) {
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(user)));
  return `${user}.${Array.from(signature, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
