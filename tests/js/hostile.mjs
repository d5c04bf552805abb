// A hostile upstream on loopback: whatever key it is sent, it echoes back in
// every place an answer has (message, code, param, type, JSON keys, headers),
// whole and cut at several points. POST /__mode sets what it answers next:
// a status ("400", "401", "403", "429", "500"), or "job" (accept a job, then
// report it failed, with the key as its reason).
import { createServer } from "node:http";
import { after } from "./harness.mjs";

const JOB_ID = "0b7c2f4e-9d1a-4c3b-8e5f-6a7b8c9d0e1f";

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
      const key = String(req.headers["x-api-key"] ?? String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
      const e = echo(key);
      const json = (status, value, headers = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...e.headers, ...headers });
        res.end(JSON.stringify(value));
      };
      if (mode === "job") {
        if (req.method === "POST") {
          return req.url.startsWith("/v2/") ? json(202, { jobId: JOB_ID, status: "QUEUED" }) : json(200, { jobId: JOB_ID, status: "pending" });
        }
        return req.url.startsWith("/v2/")
          ? json(200, { id: JOB_ID, status: "FAILED", progress: null, error: e.message, creditCost: null, result: null })
          : json(200, { jobId: JOB_ID, status: "failed", error: e.message });
      }
      const status = Number(mode);
      const value = status === 400 || status === 500 ? e.body : { error: e.message, [key]: key };
      json(status, value, status === 429 ? { "retry-after": "1" } : {});
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  after(() => new Promise((ok) => server.close(ok)));
  return `http://127.0.0.1:${server.address().port}`;
}
