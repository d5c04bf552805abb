// PNG images of any size for tests, in Node, workerd and browsers.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function header(width, height, alpha) {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([8, alpha ? 6 : 2, 0, 0, 0], 8);
  return chunk("IHDR", data);
}

async function concat(parts) {
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

function dataUrl(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return `data:image/png;base64,${btoa(s)}`;
}

async function deflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A whole `width`x`height` black PNG (RGB, or RGBA with `alpha`), as a data URL. */
export async function pngDataUrl(width, height, alpha = false) {
  const rows = new Uint8Array(height * (1 + width * (alpha ? 4 : 3)));
  const parts = [SIGNATURE, header(width, height, alpha), chunk("IDAT", await deflate(rows)), chunk("IEND", new Uint8Array(0))];
  return dataUrl(await concat(parts));
}

/**
 * A PNG of `width`x`height` whose image data is cut short (one row): what the estimate and
 * the sandbox's bill read of an input image is its size, from its header, and a large image
 * costs no time to make this way.
 */
export async function pngHeaderDataUrl(width, height, alpha = false) {
  const row = await deflate(new Uint8Array(1 + width * (alpha ? 4 : 3)));
  return dataUrl(await concat([SIGNATURE, header(width, height, alpha), chunk("IDAT", row), chunk("IEND", new Uint8Array(0))]));
}
