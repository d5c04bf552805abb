// Images given as bytes: `references` entries and `mask` given as a Uint8Array,
// an ArrayBuffer or (asynchronously) a Blob or File become `data:` URLs, the
// form bytes take in JSON. Everything else is passed through untouched.

function toDataUrl(bytes, type) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  // Bytes without an image type are labelled by the core, from their first bytes (one sniffer).
  const mime = typeof type === "string" && type.startsWith("image/") ? type : "application/octet-stream";
  return `data:${mime};base64,${btoa(binary)}`;
}

function bytesOf(v) {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

const isBlob = (v) => typeof Blob !== "undefined" && v instanceof Blob;

function convert(request, read) {
  if (request === null || typeof request !== "object") return request;
  const refs = Array.isArray(request.references) ? request.references : null;
  // Larger than any request (a sparse `new Array(2 ** 31)`): left for the
  // conversion to refuse by its length, without visiting its holes here.
  if (refs && refs.length > 10000) return request;
  const touched = (refs && refs.some((r) => bytesOf(r) || isBlob(r))) || bytesOf(request.mask) || isBlob(request.mask);
  if (!touched) return request;
  const out = { ...request };
  if (refs) out.references = refs.map(read);
  if ("mask" in request) out.mask = read(request.mask);
  return out;
}

/** The request with byte images as data URLs (Blobs cannot be read synchronously: left as they are). */
export function imagesAsDataUrls(request) {
  return convert(request, (v) => {
    const bytes = bytesOf(v);
    return bytes ? toDataUrl(bytes) : v;
  });
}

/** The same, reading Blobs and Files too. */
export async function readImages(request) {
  const blobs = [];
  const withPromises = convert(request, (v) => {
    if (isBlob(v)) {
      const p = v.arrayBuffer().then((b) => toDataUrl(new Uint8Array(b), v.type));
      blobs.push(p);
      return p;
    }
    const bytes = bytesOf(v);
    return bytes ? toDataUrl(bytes) : v;
  });
  if (!blobs.length) return withPromises;
  const out = { ...withPromises };
  if (Array.isArray(out.references)) out.references = await Promise.all(out.references);
  if ("mask" in out) out.mask = await out.mask;
  return out;
}

/** Call the caller's `uploadReference(bytes, mimeType)` and check it gave a string. */
export async function callUploader(uploader, bytes, mimeType) {
  const url = await uploader(bytes, mimeType);
  if (typeof url !== "string") throw new Error("uploadReference must resolve to an https URL string");
  return url;
}
