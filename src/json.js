// Plain data (what a form or a JSON body holds) crosses into WebAssembly as
// one JSON text, instead of field by field. Anything else (bytes, Blobs, class
// instances, BigInts, NaN, deep or large values) takes the field-by-field
// conversion, which gives every case its own message.

const MAX_VALUES = 256;
const MAX_ITEMS = 64;
const MAX_DEPTH = 4;

/** `JSON.stringify(value)` when that means exactly what the field-by-field conversion would read; else undefined. */
export function plainJson(value) {
  let budget = MAX_VALUES;
  const plain = (v, depth) => {
    if (--budget < 0) return false;
    switch (typeof v) {
      case "string":
      case "boolean":
      case "undefined":
      case "function":
      case "symbol":
        return true;
      case "number":
        return Number.isFinite(v);
      case "object":
        break;
      default:
        return false;
    }
    if (v === null) return true;
    if (depth >= MAX_DEPTH) return false;
    if (Array.isArray(v)) {
      if (v.length > MAX_ITEMS) return false;
      for (let i = 0; i < v.length; i++) if (!plain(v[i], depth + 1)) return false;
      return true;
    }
    const proto = Object.getPrototypeOf(v);
    if ((proto !== Object.prototype && proto !== null) || typeof v.toJSON === "function") return false;
    const keys = Object.keys(v);
    if (keys.length > MAX_ITEMS) return false;
    for (let i = 0; i < keys.length; i++) if (!plain(v[keys[i]], depth + 1)) return false;
    return true;
  };
  return plain(value, 0) ? JSON.stringify(value) : undefined;
}

/** A fresh result of a validation that found nothing to say. */
export function validationOk() {
  return { ok: true, errors: [], warnings: [] };
}
