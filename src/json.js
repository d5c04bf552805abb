// JavaScript values cross into WebAssembly as one JSON text, written here:
// one crossing instead of one per field. The text reads as the core expects
// of a caller's value: `undefined`, functions and symbols dropped from objects
// (null in lists), as JSON.stringify does; `NaN`, `Infinity` and `-Infinity`
// kept as those tokens and a BigInt as its digits and "n", so validation can
// say what is wrong with them; getters read once; `toJSON` not called.

const MAX_DEPTH = 128; // the core parser's limit (core/src/json.rs): one depth everywhere
const MAX_ENTRIES = 10000; // far beyond any request (at most 16 references), handle or option
const MAX_VALUES = 100000;
class TooBig extends Error {}

const dropped = (v) => v === undefined || typeof v === "function" || typeof v === "symbol";

// Characters JSON.stringify writes as escapes: a quote, a backslash, control
// characters and (as UTF-16 units, no `u` flag) surrogates. A short string
// without them is quoted as it is, several times faster than a call to
// JSON.stringify for each key and value.
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
const quote = (s) => (s.length <= 1024 && PLAIN.test(s) ? '"' + s + '"' : JSON.stringify(s));

/**
 * The value as JSON text, or "!" and the reason it cannot be read (deeper than
 * 128 or circular, more than 10,000 entries in one list or object, more than
 * 100,000 values, or a getter or proxy that throws).
 */
export function jsonText(value) {
  try {
    let seen = 0;
    // Strings are built by concatenation (V8 joins them lazily), not arrays.
    const write = (v, depth) => {
      if (depth > MAX_DEPTH) throw new TooBig("the value is nested too deeply (or is circular)");
      if (++seen > MAX_VALUES) throw new TooBig(`the value holds more than ${MAX_VALUES} values in all`);
      switch (typeof v) {
        case "string":
          return quote(v);
        case "number":
          return v === 0 && 1 / v < 0 ? "-0" : "" + v;
        case "boolean":
          return v ? "true" : "false";
        case "bigint":
          return quote(v + "n");
        case "object":
          if (v !== null) break;
        // falls through: null, and what JSON.stringify drops (undefined, functions, symbols)
        default:
          return "null";
      }
      if (Array.isArray(v)) {
        const n = v.length;
        if (n > MAX_ENTRIES) throw new TooBig(`an array of ${n} entries is larger than any request (at most ${MAX_ENTRIES})`);
        let out = "[";
        for (let i = 0; i < n; i++) out += (i === 0 ? "" : ",") + write(v[i], depth + 1);
        return out + "]";
      }
      const keys = Object.keys(v);
      if (keys.length > MAX_ENTRIES) throw new TooBig(`an object of ${keys.length} keys is larger than any request (at most ${MAX_ENTRIES})`);
      let out = "";
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        let item;
        try {
          item = v[k];
        } catch {
          continue; // a throwing getter reads as absent
        }
        if (!dropped(item)) out += (out === "" ? "" : ",") + quote(k) + ":" + write(item, depth + 1);
      }
      return "{" + out + "}";
    };
    return write(value, 0);
  } catch (e) {
    return `!${e instanceof TooBig ? e.message : "the value could not be read"}`;
  }
}

/** A fresh result of a validation that found nothing to say. */
export function validationOk() {
  return { ok: true, errors: [], warnings: [] };
}

/** `{ ok, errors, warnings }` from issues written flat (see `flat_issues` in api.rs). */
export function validationFrom(text) {
  const errors = [];
  const warnings = [];
  // indexOf and slice, not split: a string fresh from WebAssembly is split
  // several times slower than one V8 has seen before.
  const n = text.length;
  let at = 0;
  while (at < n) {
    const path = text.indexOf("\x1f", at) + 1;
    const code = text.indexOf("\x1f", path) + 1;
    const message = text.indexOf("\x1f", code) + 1;
    if (path === 0 || code === 0 || message === 0) break;
    let end = text.indexOf("\x1f", message);
    if (end < 0) end = n;
    const issue = { path: text.slice(path, code - 1), code: text.slice(code, message - 1), message: text.slice(message, end) };
    (text.charCodeAt(at) === 101 /* e */ ? errors : warnings).push(issue);
    at = end + 1;
  }
  return { ok: errors.length === 0, errors, warnings };
}

/**
 * `{ ok, errors, warnings }` from the answer of `validate_request_text` (api.rs):
 * empty when the request is valid without warnings, JSON when it starts with
 * "{", else the issues written flat.
 */
export function validationOf(answer) {
  if (answer === "") return validationOk();
  if (answer.charCodeAt(0) === 123) return JSON.parse(answer);
  return validationFrom(answer);
}
