// Untrusted input in Node, with the installed package: numbers from callers
// are checked, long durations are held, caller values larger than any request
// are refused before they are walked, and reference downloads are bounded.
import * as edge from "gpt-image-edge";
import { createServer } from "node:http";
import { test, after } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";
import { KEYS, setup } from "./scenarios.mjs";
import { check } from "./check.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const client = (p, extra = {}) =>
  new edge.ImageClient({ ...setup(p), baseUrl: sandbox.url, typicalDurationMs: 300, ...extra });

async function rejects(promiseOrFn, code, what) {
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    check(e.code === code, `${what}: ${e.code} ${e.message}`);
    return e;
  }
  throw new Error(`${what}: expected ${code}, it succeeded`);
}

test("deadlineMs: 3e9 (over 2^31 - 1 ms) finishes a job normally", async () => {
  // setTimeout fires at once above 2^31 - 1 ms: a synchronous generation,
  // which waits up to the deadline, was aborted at once.
  const sync = await client("openai").generate({ prompt: "a red hat", quality: "low" }, { deadlineMs: 3e9 });
  check(sync.status === "succeeded" && sync.images.length === 1, `openai: ${sync.status}`);
  const async_ = await client("apiframe").generate({ prompt: "a red hat", quality: "low" }, { deadlineMs: 3e9 });
  check(async_.status === "succeeded", `apiframe: ${async_.status}`);
  const handle = await client("apiframe").submit({ prompt: "a red hat", quality: "low" }, { deadlineMs: 3e9 });
  const waited = await client("apiframe", { timeoutMs: 2 ** 31 + 5 }).waitFor(handle, { deadlineMs: 2 ** 32 });
  check(waited.status === "succeeded", `waitFor: ${waited.status}`);
});

test("numbers from callers are finite and in range, else INVALID_REQUEST naming the option", async () => {
  const bad = [NaN, Infinity, -Infinity, -1, "5", 1e300, true];
  for (const v of bad) {
    for (const [option, make] of [
      ["timeoutMs", () => client("openai", { timeoutMs: v })],
      ["maxRetries", () => client("openai", { maxRetries: v })],
      ["typicalDurationMs", () => client("openai", { typicalDurationMs: v })],
      ["maxReferenceBytes", () => client("openai", { maxReferenceBytes: v })],
    ]) {
      const e = await rejects(make, "INVALID_REQUEST", `${option}: ${String(v)}`);
      check(e.message.includes(`\`${option}\``), `${option}: ${e.message}`);
    }
    for (const option of ["deadlineMs", "maxCostUsd"]) {
      if (option === "maxCostUsd" && v === 1e300) continue; // a huge cap is a cap
      const e = await rejects(client("openai").generate({ prompt: "x" }, { [option]: v }), "INVALID_REQUEST", `${option}: ${String(v)}`);
      check(e.message.includes(`\`${option}\``), `${option}: ${e.message}`);
    }
    const e = await rejects(client("apiframe").waitFor("11111111-2222-3333-4444-555555555555", { deadlineMs: v }), "INVALID_REQUEST", `waitFor deadlineMs: ${String(v)}`);
    check(e.message.includes("`deadlineMs`"), e.message);
  }
  for (const [option, v] of [["maxRetries", 1.5], ["maxRetries", 11], ["timeoutMs", 0], ["maxReferenceBytes", 52428801]]) {
    await rejects(() => client("openai", { [option]: v }), "INVALID_REQUEST", `${option}: ${v}`);
  }
  // In range: accepted.
  client("openai", { timeoutMs: 1, maxRetries: 0, maxReferenceBytes: 1 });
  client("openai", { timeoutMs: 31536000000, maxRetries: 10, maxReferenceBytes: 52428800 });
});

test("caller values larger than any request are refused before they are walked", async () => {
  // validateRequest answers with a too_many issue; estimateCost throws.
  const refused = (request, what) => {
    const start = performance.now();
    const r = edge.validateRequest("openai", request);
    const took = performance.now() - start;
    check(!r.ok && r.errors[0]?.code === "too_many", `${what}: ${JSON.stringify(r.errors)}`);
    check(took < 1000, `${what}: took ${took.toFixed(0)} ms`);
    let threw = null;
    try {
      edge.estimateCost("openai", request);
    } catch (e) {
      threw = e;
    }
    check(threw?.code === "INVALID_REQUEST", `${what}: estimateCost ${threw?.code}`);
  };
  // A sparse array of 2^31 holes: walking it would take minutes.
  const length = Number(process.env.SPARSE_LENGTH ?? 2 ** 31);
  refused({ prompt: "x", references: new Array(length) }, "sparse array");
  const wide = {};
  for (let i = 0; i < 200_000; i++) wide[`k${i}`] = i;
  refused({ prompt: "x", extra: wide }, "wide object");
  // A small array shared at every level: 1000^3 values by reference.
  let shared = 1;
  for (let i = 0; i < 3; i++) shared = new Array(1000).fill(shared);
  refused({ prompt: "x", extra: shared }, "shared arrays");
  // An ordinary request still passes.
  check(edge.validateRequest("openai", { prompt: "x", references: ["https://cdn.example.com/a.png"] }).ok, "valid");
});

/** A loopback server streaming `total` bytes of a PNG-looking body, with or without Content-Length. */
async function bigFileServer(total) {
  const chunk = Buffer.alloc(1 << 20, 7);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(chunk);
  const served = { bytes: 0 };
  const server = createServer(async (req, res) => {
    const headers = { "content-type": "image/png" };
    if (req.url.startsWith("/declared")) headers["content-length"] = String(total);
    res.writeHead(200, headers);
    res.on("error", () => {});
    res.setMaxListeners(0);
    for (let sent = 0; sent < total && !res.destroyed; sent += chunk.length) {
      served.bytes += chunk.length;
      if (!res.write(chunk)) await new Promise((r) => { res.once("drain", r); res.once("close", r); });
    }
    res.end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  after(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
  return { url: `http://127.0.0.1:${server.address().port}`, served };
}

test("a 200 MB reference is refused at the limit with memory bounded", async () => {
  const MB = 1 << 20;
  const { url, served } = await bigFileServer(200 * MB);
  let peak = process.memoryUsage().rss;
  const base = peak;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 2);
  try {
    for (const [path, extra, limit] of [["/declared.png", {}, 52428800], ["/streamed.png", {}, 52428800], ["/streamed-small.png", { maxReferenceBytes: MB }, MB]]) {
      served.bytes = 0;
      const e = await rejects(client("openai", extra).generate({ prompt: "edit", size: "1536x864", references: [`${url}${path}`] }), "INVALID_REQUEST", path);
      check(e.issues?.[0]?.message.includes(`over ${limit} bytes`), `${path}: ${e.issues?.[0]?.message}`);
      peak = Math.max(peak, process.memoryUsage().rss);
      console.log(`     ${path}: refused after the server wrote ${(served.bytes / MB).toFixed(0)} MB`);
    }
  } finally {
    clearInterval(sampler);
  }
  const grew = (peak - base) / MB;
  console.log(`     peak RSS ${(peak / MB).toFixed(0)} MB, ${grew.toFixed(0)} MB over the start (the file is 200 MB)`);
  // Reading it whole holds the body twice over (fetch's buffer, then wasm's copy).
  check(grew < 150, `memory grew by ${grew.toFixed(0)} MB`);
});
