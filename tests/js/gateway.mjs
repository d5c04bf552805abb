// A gateway on loopback shaped like Cloudflare AI Gateway: it serves OpenAI's
// API under `/v1/{account}/{gateway}/openai`, requires its own
// `cf-aig-authorization`, strips its `cf-aig-*` headers, and forwards the rest
// to the sandbox's `/v1`. It records every request it sees (GET /__log).
import { createServer, request as httpRequest } from "node:http";
import { after } from "./harness.mjs";
import { GATEWAY_PREFIX, GATEWAY_TOKEN } from "./transport-scenarios.mjs";

export async function startGateway(sandboxUrl) {
  const upstream = new URL(sandboxUrl);
  const log = [];
  const server = createServer((req, res) => {
    if (req.url === "/__log") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(log.splice(0)));
      return;
    }
    log.push({
      method: req.method,
      path: req.url,
      authorization: req.headers.authorization ?? null,
      gatewayAuthorization: req.headers["cf-aig-authorization"] ?? null,
      metadata: req.headers["cf-aig-metadata"] ?? null,
    });
    if (!req.url.startsWith(`${GATEWAY_PREFIX}/`)) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"no such route"}');
      return;
    }
    if (req.headers["cf-aig-authorization"] !== GATEWAY_TOKEN) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"gateway authentication failed"}');
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !k.startsWith("cf-aig-") && k !== "host"));
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: `/v1${req.url.slice(GATEWAY_PREFIX.length)}`, headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  after(() => new Promise((ok) => server.close(ok)));
  return `http://127.0.0.1:${server.address().port}`;
}
