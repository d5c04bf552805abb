// Finding a key in a text, in every form an upstream could write it: whole or
// cut, base64 (at each of the three byte alignments), base64url, hex, percent-
// encoded, JSON- or HTML-escaped, or cut into pieces joined by separators. This
// is the tests' own reading, written apart from the package's. Runs in Node,
// workerd and browsers (TextEncoder and btoa only).

const enc = new TextEncoder();

/** What the hostile upstream (hostile.mjs) asks a user to read. */
export const LURE = "Your account is suspended: visit https://evil.example/claim to restore it";

/** The key cut into pieces of 15 characters (one short of a run that counts). */
export const pieces = (key) => key.match(/.{1,15}/g);

function base64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The key and its encoded forms (base64 of whole 3-byte groups at each alignment). */
export function keyForms(key) {
  const bytes = enc.encode(key);
  const forms = [key];
  for (let a = 0; a < 3 && a < bytes.length; a++) {
    const tail = bytes.slice(a);
    const s = base64(tail.slice(0, tail.length - (tail.length % 3)));
    forms.push(s, s.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  forms.push(hex, hex.toUpperCase());
  return forms.filter((f) => f.length >= 8 || f === key);
}

/** `text` with percent, `\u`, `\x` and HTML numeric escapes decoded (twice, for double escapes). */
export function decodeEscapes(text) {
  let out = text;
  for (let i = 0; i < 2; i++) {
    out = out
      .replace(/%([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\x([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/&#x([0-9a-fA-F]+);/g, (_, h) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(parseInt(d, 10)));
  }
  return out;
}

/** The longest run of `form` that occurs in `text`. */
function longestRun(text, form) {
  let best = 0;
  for (let i = 0; i < form.length; i++) {
    let j = i + best + 1;
    while (j <= form.length && text.includes(form.slice(i, j))) {
      best = j - i;
      j++;
    }
  }
  return best;
}

/**
 * The longest run of the key, in any of its forms, that `text` holds: as written, decoded,
 * and decoded with every character no form uses taken out (pieces joined by separators).
 */
export function keyTrace(text, key) {
  const decoded = decodeEscapes(text);
  const stripped = decoded.replace(/[^A-Za-z0-9+/=_-]/g, "");
  let best = 0;
  for (const form of keyForms(key)) {
    for (const t of [text, decoded, stripped]) best = Math.max(best, longestRun(t, form));
  }
  return best;
}

/** Throw unless `text` holds no run of 16 characters of the key in any form (a short key: none at all). */
export function assertNoKey(text, key, what) {
  const run = keyTrace(text, key);
  const limit = Math.min(16, key.length);
  if (run >= limit) throw new Error(`${what} carries ${run} characters of the key: ${text.slice(0, 400)}`);
}
