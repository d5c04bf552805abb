// The one error class this package throws, so `err instanceof GptImageError`
// holds for validation, client, route and setup errors alike.

/** Every error of this package: branch on `err.code`. It never holds the API key. */
export class GptImageError extends Error {
  constructor(message, fields) {
    super(message);
    if (fields) Object.assign(this, fields);
  }
}
Object.defineProperty(GptImageError.prototype, "name", { value: "GptImageError", writable: true, configurable: true });

/** A `GptImageError` from the core's fields, given as one JSON text (everything but `message`). */
export function gptImageError(message, fieldsJson) {
  return new GptImageError(message, JSON.parse(fieldsJson));
}
