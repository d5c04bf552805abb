// The route under attack (issue 19's findings), in Node through standard
// Request objects, and over real sockets where only sockets can show it.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { connect } from "node:net";
import * as edge from "gpt-image-edge/route";
import { after, test } from "./harness.mjs";
import { startHostile } from "./hostile.mjs";
import { startSandbox } from "./sandbox.mjs";
import { KEYS } from "./scenarios.mjs";
import { threatScenarios } from "./threat-scenarios.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const hostile = await startHostile();
for (const s of threatScenarios(edge, sandbox.url, hostile)) test(`node threats: ${s.name}`, s.run);

/** The route behind node:http, as a plain Node server serves it (the README's adapter). */
async function serve(handler) {
  const server = createServer(async (req, res) => {
    const url = `http://${req.headers.host}${req.url}`;
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : req;
    const response = await handler(new Request(url, { method: req.method, headers: req.headers, body, duplex: "half" }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  after(() => new Promise((ok) => server.close(ok)));
  return server.address().port;
}

test("node threats: finding 7 over sockets: 64 bodies that trickle in are each answered 408", async () => {
  const handler = edge.createRouteHandler({
    provider: "apiframe",
    apiKey: KEYS.apiframe,
    baseUrl: sandbox.url,
    secret: "threat-test-secret-0123456789abcdef0123456789",
    authorize: () => "alice",
    bodyTimeoutMs: 500,
    onError: () => {},
  });
  const port = await serve(handler);
  const t0 = Date.now();
  const answers = await Promise.all(
    Array.from(
      { length: 64 },
      () =>
        new Promise((resolve, reject) => {
          const socket = connect(port, "127.0.0.1");
          let text = "";
          const drip = setInterval(() => socket.write(" "), 100);
          socket.on("data", (d) => {
            text += d;
            if (/\r\n\r\n/.test(text)) {
              clearInterval(drip);
              socket.destroy();
              resolve(text.split("\r\n")[0]);
            }
          });
          socket.on("error", reject);
          socket.setTimeout(10_000, () => reject(new Error(`no answer: ${text}`)));
          socket.write(
            "POST /api/images/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
          );
        }),
    ),
  );
  assert.deepEqual(new Set(answers), new Set(["HTTP/1.1 408 Request Timeout"]));
  assert.ok(Date.now() - t0 < 5000, `answered after ${Date.now() - t0} ms`);
});
