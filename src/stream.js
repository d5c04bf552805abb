// Reading a fetch Response's body as it arrives.

/** A reader of `body` (a ReadableStream). */
export function readerOf(body) {
  return body.getReader();
}

/** The next chunk (a Uint8Array), or null at the end. */
export async function nextChunk(reader) {
  const { done, value } = await reader.read();
  return done ? null : value;
}

/** Stop reading (the request is abandoned). */
export function cancelReader(reader) {
  reader.cancel().catch(() => {});
}
