// Every request the package builds for Azure OpenAI (both of its APIs), OpenRouter
// and Replicate is sent to a Prism mock of the vendor's own OpenAPI document
// (spec/), which validates it: path, query, auth header and body. Prism answers
// 422 for a request its document does not allow; the controls below prove it does.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { buildSubmitRequest } from "gpt-image-edge";
import { after, test } from "./harness.mjs";

const repo = process.env.REPO;
const prismBin = `${repo}/node_modules/.bin/prism`;

/** A free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `prism mock` of `document` on loopback, stopped after the tests. */
async function startPrism(document) {
  const port = await freePort();
  const child = spawn(prismBin, ["mock", "-h", "127.0.0.1", "-p", String(port), document], { stdio: ["ignore", "pipe", "pipe"] });
  after(() => child.kill("SIGTERM"));
  let output = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start: ${output}`)), 60_000);
    const hear = (chunk) => {
      output += chunk;
      if (output.includes("Prism is listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", hear);
    child.stderr.on("data", hear);
    child.once("exit", (code) => reject(new Error(`Prism exited (${code}): ${output}`)));
  });
  return `http://127.0.0.1:${port}`;
}

/**
 * The three documents, each with the path its `servers` URL puts before the
 * operations (Prism serves the operations at its root), checked in the document.
 */
const DOCS = {
  deployments: { file: "spec/azure-openai/2025-04-01-preview/azure-openai-inference-2025-04-01-preview.images.yaml", server: "https://{endpoint}/openai", prefix: "/openai" },
  v1: { file: "spec/azure-openai/v1-preview/azure-openai-v1-preview.images.yaml", server: "'{endpoint}/openai/v1'", prefix: "/openai/v1" },
  openrouter: { file: "spec/openrouter/openrouter-images.openapi.yaml", server: "https://openrouter.ai/api/v1", prefix: "/api/v1" },
  replicate: { file: "spec/replicate/replicate-predictions.openapi.json", server: "https://api.replicate.com/v1", prefix: "/v1", json: true },
};

const mocks = {};
for (const [name, doc] of Object.entries(DOCS)) {
  const path = `${repo}/${doc.file}`;
  const named = doc.json ? `"url": "${doc.server}"` : `url: ${doc.server}`;
  assert.ok(readFileSync(path, "utf8").includes(named), `${doc.file} names its server ${doc.server}`);
  mocks[name] = await startPrism(path);
}

/** Send a built request to the mock of `doc`: its path under the document's server, as built. */
async function sendToMock(docName, spec) {
  const url = new URL(spec.url);
  const { prefix } = DOCS[docName];
  assert.ok(url.pathname.startsWith(prefix), `${spec.url} is under ${prefix}`);
  const target = `${mocks[docName]}${url.pathname.slice(prefix.length)}${url.search}`;
  const res = await fetch(target, { method: spec.method, headers: spec.headers, body: spec.body });
  const violations = JSON.parse(res.headers.get("sl-violations") ?? "[]");
  const text = await res.text();
  return { status: res.status, requestViolations: violations.filter((v) => v.location[0] === "request"), text };
}

/** The three requests of the acceptance: plain; quality and format; two images, jpeg and opaque. */
const REQUESTS = [
  { prompt: "A lighthouse at dusk" },
  { prompt: "A lighthouse at dusk", quality: "high", outputFormat: "png" },
  { prompt: "A lighthouse at dusk", count: 2, outputFormat: "jpeg", background: "opaque" },
];

const AZURE = { apiKey: "0123456789abcdef0123456789abcdef", baseUrl: "https://my-resource.openai.azure.com", deployment: "gpt-image-2" };
const CASES = [
  ["azure, deployments API (2025-04-01-preview)", "azure", "deployments", AZURE],
  ["azure, v1 API", "azure", "v1", { ...AZURE, apiVersion: "v1" }],
  ["azure, v1 API (preview)", "azure", "v1", { ...AZURE, apiVersion: "preview" }],
  ["openrouter", "openrouter", "openrouter", { apiKey: "sk-or-v1-0123" }],
  ["replicate", "replicate", "replicate", { apiKey: "r8_0123456789" }],
];
const MORE = {
  // Sizes, compression, webp and moderation on the v1 API; references on OpenRouter.
  azure: [{ prompt: "x", size: "1536x1024", outputFormat: "jpeg", outputCompression: 70, user: "user-1" }, { prompt: "x", aspectRatio: "2:3", quality: "low" }],
  openrouter: [
    { prompt: "x", aspectRatio: "16:9", resolution: "2K", outputFormat: "webp", outputCompression: 80, background: "transparent" },
    { prompt: "x", size: "1536x864", references: ["https://cdn.example.com/a.png", "data:image/png;base64,iVBORw0KGgo="] },
  ],
  // The three: plain; quality, 3:2 and png; two references with two outputs. Then
  // every other input, and a webhook.
  replicate: [
    { prompt: "x", quality: "high", aspectRatio: "3:2", outputFormat: "png" },
    { prompt: "x", references: ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"], count: 2 },
    { prompt: "x", outputFormat: "webp", outputCompression: 70, moderation: "low", webhookUrl: "https://hooks.example.com/replicate" },
  ],
};

for (const [name, provider, doc, options] of CASES) {
  test(`Prism mock of the vendor's document accepts every ${name} request the package builds`, async () => {
    const requests = [...REQUESTS, ...MORE[provider]];
    if (doc === "v1") requests.push({ prompt: "x", outputFormat: "webp", moderation: "low" });
    for (const request of requests) {
      const spec = buildSubmitRequest(provider, request, options);
      assert.deepEqual(spec.warnings, [], `${JSON.stringify(request)} left something out`);
      const r = await sendToMock(doc, spec);
      assert.ok(r.status >= 200 && r.status < 300, `${name} ${JSON.stringify(request)} -> ${spec.method} ${spec.url} ${spec.body}: ${r.status} ${r.text.slice(0, 300)}`);
      assert.deepEqual(r.requestViolations, [], `${name} ${JSON.stringify(request)}`);
    }
  });
}

test("the Prism mocks refuse what their documents do not allow (the check can fail)", async () => {
  // Prism answers an invalid request with the document's own 4xx (422, or the 400 it declares).
  const refused = async (doc, spec, what) => {
    const r = await sendToMock(doc, spec);
    assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status} ${r.text.slice(0, 200)}`);
  };
  const built = buildSubmitRequest("azure", { prompt: "x" }, AZURE);
  const withBody = (spec, body) => ({ ...spec, body: JSON.stringify({ ...JSON.parse(spec.body), ...body }) });
  await refused("deployments", withBody(built, { output_format: "webp" }), "a format outside the enum");
  await refused("deployments", withBody(built, { n: 11 }), "n above 10");
  const { "api-key": _, ...noKey } = built.headers;
  await refused("deployments", { ...built, headers: noKey }, "no api-key");
  await refused("deployments", { ...built, url: built.url.replace(/\?.*$/, "") }, "no api-version");
  const v1 = buildSubmitRequest("azure", { prompt: "x" }, { ...AZURE, apiVersion: "v1" });
  const { model: _m, ...noDeployment } = JSON.parse(v1.body);
  await refused("v1", { ...v1, body: JSON.stringify(noDeployment) }, "v1 without model");
  const or = buildSubmitRequest("openrouter", { prompt: "x" }, { apiKey: "k" });
  await refused("openrouter", withBody(or, { quality: "ultra" }), "an unknown quality");
  const { model: __, ...noModel } = JSON.parse(or.body);
  await refused("openrouter", { ...or, body: JSON.stringify(noModel) }, "no model");
  const rep = buildSubmitRequest("replicate", { prompt: "x" }, { apiKey: "r8_k" });
  await refused("replicate", withBody(rep, { version: "06e71e82" }), "a field the prediction request does not have");
  await refused("replicate", { ...rep, body: JSON.stringify({ webhook: "https://hooks.example.com/r" }) }, "no input");
  await refused("replicate", withBody(rep, { webhook: "https://hooks.example.com/r", webhook_events_filter: ["done"] }), "an event the filter does not have");
  const { Authorization: ___, ...noBearer } = rep.headers;
  await refused("replicate", { ...rep, headers: noBearer }, "no bearer token");
});
