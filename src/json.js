// JavaScript values cross into WebAssembly as one JSON text, written here:
// one crossing instead of one per field. The text reads as the core expects
// of a caller's value: `undefined`, functions and symbols dropped from objects
// (null in lists), as JSON.stringify does; `NaN`, `Infinity` and `-Infinity`
// kept as those tokens and a BigInt as its digits and "n", so validation can
// say what is wrong with them; getters read once; `toJSON` not called.

const MAX_DEPTH = 64;
const MAX_ENTRIES = 10000; // far beyond any request (at most 16 references), handle or option
const MAX_VALUES = 100000;
class TooBig extends Error {}

const dropped = (v) => v === undefined || typeof v === "function" || typeof v === "symbol";

/**
 * The value as JSON text, or "!" and the reason it cannot be read (deeper than
 * 64 or circular, more than 10,000 entries in one list or object, more than
 * 100,000 values, or a getter or proxy that throws).
 */
export function jsonText(value) {
  try {
    let seen = 0;
    const write = (v, depth) => {
      if (depth > MAX_DEPTH) throw new TooBig("the value is nested too deeply (or is circular)");
      if (++seen > MAX_VALUES) throw new TooBig(`the value holds more than ${MAX_VALUES} values in all`);
      if (v === null || dropped(v)) return "null";
      switch (typeof v) {
        case "boolean":
          return v ? "true" : "false";
        case "number":
          return Object.is(v, -0) ? "-0" : String(v);
        case "string":
          return JSON.stringify(v);
        case "bigint":
          return JSON.stringify(`${v}n`);
      }
      const parts = [];
      if (Array.isArray(v)) {
        if (v.length > MAX_ENTRIES) throw new TooBig(`an array of ${v.length} entries is larger than any request (at most ${MAX_ENTRIES})`);
        for (let i = 0; i < v.length; i++) parts.push(write(v[i], depth + 1));
        return `[${parts.join(",")}]`;
      }
      const keys = Object.keys(v);
      if (keys.length > MAX_ENTRIES) throw new TooBig(`an object of ${keys.length} keys is larger than any request (at most ${MAX_ENTRIES})`);
      for (const k of keys) {
        let item;
        try {
          item = v[k];
        } catch {
          continue; // a throwing getter reads as absent
        }
        if (!dropped(item)) parts.push(`${JSON.stringify(k)}:${write(item, depth + 1)}`);
      }
      return `{${parts.join(",")}}`;
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
  const parts = text.split("\x1f");
  for (let i = 0; i + 3 < parts.length; i += 4) {
    (parts[i] === "e" ? errors : warnings).push({ path: parts[i + 1], code: parts[i + 2], message: parts[i + 3] });
  }
  return { ok: errors.length === 0, errors, warnings };
}
