// examples/nextjs from the packed tarball: `next build` with Turbopack (the
// default) and with webpack, `next start` on loopback, a generate through the
// Node.js route and the edge route against the sandbox, and the page in
// Chromium. No next.config: the package needs none.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { SANDBOX_KEYS } from "../../sandbox/keys.mjs";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { usePage } from "./page.mjs";
import { HOSTS, REPO, bin, freePort, must, row, run, startServer } from "./hosts.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const version = JSON.parse(readFileSync(join(HOSTS, "node_modules/next/package.json"), "utf8")).version;

function files(dir, test) {
  const found = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && test(e.name)) found.push(join(e.parentPath, e.name));
  }
  return found;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** Generate through a route as a server-side caller would. */
async function generateThrough(base, route) {
  const headers = { "content-type": "application/json", "x-demo-user": "test" };
  const body = JSON.stringify({ prompt: "A lighthouse at dusk", quality: "low" });
  const refused = await fetch(`${base}${route}/generate`, { method: "POST", headers: { "content-type": "application/json" }, body });
  assert.equal(refused.status, 401, "no user: refused");
  const r = await fetch(`${base}${route}/generate`, { method: "POST", headers, body });
  const accepted = await r.json();
  assert.equal(r.status, 202, JSON.stringify(accepted));
  let job;
  for (let i = 0; i < 100; i++) {
    job = await (await fetch(`${base}${route}/jobs/${accepted.token}`, { headers })).json();
    if (job.status !== "queued" && job.status !== "running") break;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  assert.equal(job.status, "succeeded", JSON.stringify(job));
  assert.equal(job.images.length, 1);
  assert.ok(!JSON.stringify(job).includes(SANDBOX_KEYS.apiframe));
  // The same as an event stream, through the framework's own response path.
  const streamed = await fetch(`${base}${route}/generate`, { method: "POST", headers: { ...headers, accept: "text/event-stream" }, body });
  assert.equal(streamed.status, 200);
  assert.match(streamed.headers.get("content-type") ?? "", /^text\/event-stream/);
  const text = await streamed.text();
  const events = [...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
  assert.equal(events[0], "accepted", text.slice(0, 300));
  assert.equal(events.at(-1), "completed", text.slice(-300));
  const last = JSON.parse(/data: (.*)\n\n$/.exec(text)[1]);
  assert.equal(last.status, "succeeded", JSON.stringify(last));
  assert.ok(!text.includes(SANDBOX_KEYS.apiframe));
}

for (const bundler of ["turbopack", "webpack"]) {
  test(`Next.js ${version} (${bundler}): build, start, generate through the Node and edge routes, the page in Chromium`, async () => {
    const app = join(HOSTS, `nextjs-${bundler}`);
    rmSync(app, { recursive: true, force: true });
    cpSync(join(REPO, "examples/nextjs"), app, { recursive: true });
    const build = must(await run(bin.node24, [bin.next, "build", ...(bundler === "webpack" ? ["--webpack"] : [])], { cwd: app, timeoutMs: 600_000 }), "next build");
    console.log(build.split("\n").filter((l) => /Route|app\/|api\/|First Load|○|ƒ|Compiled|TypeScript|warn/i.test(l)).map((l) => `     ${l}`).join("\n"));
    // The example is TypeScript (strict): the build checked the package's types as a user's would be.
    assert.match(build, /Finished TypeScript/, build);

    const port = await freePort();
    const server = await startServer(bin.node24, [bin.next, "start", "-H", "127.0.0.1", "-p", String(port)], {
      cwd: app,
      env: { APIFRAME_API_KEY: SANDBOX_KEYS.apiframe, ROUTE_SECRET: randomBytes(24).toString("hex"), PROVIDER_BASE_URL: sandbox.url },
      url: `http://127.0.0.1:${port}/`,
    });
    try {
      await generateThrough(server.url.replace(/\/$/, ""), "/api/images");
      await generateThrough(server.url.replace(/\/$/, ""), "/api/edge");
      // generateImage from the ai package through gpt-image-edge/ai, in a route handler.
      const ai = await fetch(`${server.url.replace(/\/$/, "")}/api/generate`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-demo-user": "user-1" },
        body: JSON.stringify({ prompt: "A lighthouse at dusk", orderId: `o-${bundler}` }),
      });
      const image = new Uint8Array(await ai.arrayBuffer());
      assert.equal(ai.status, 200, new TextDecoder().decode(image).slice(0, 300));
      assert.equal(ai.headers.get("content-type"), "image/webp");
      assert.ok(image.length > 1000 && ai.headers.get("x-cost-usd") === "0.04", `${image.length} bytes, $${ai.headers.get("x-cost-usd")}`);
      await usePage(server.url, { generateRoutes: ["/api/images", "/api/edge"], react: true });
      assert.ok(!server.output().includes(SANDBOX_KEYS.apiframe));
    } finally {
      await server.stop();
    }

    // What the build holds: the client's JavaScript and wasm, the server's wasm.
    const next = join(app, ".next");
    const size = (list) => list.reduce((s, f) => s + statSync(f).size, 0);
    const gz = (list) => list.reduce((s, f) => s + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    const clientJs = files(join(next, "static"), (n) => n.endsWith(".js"));
    const clientWasm = files(join(next, "static"), (n) => n.endsWith(".wasm"));
    const serverWasm = files(join(next, "server"), (n) => n.endsWith(".wasm"));
    assert.equal(clientWasm.length, 1, `client wasm files: ${clientWasm.join(" ")}`);
    const sizes = `client JS ${kb(size(clientJs))} (gzip ${kb(gz(clientJs))}), client wasm ${kb(size(clientWasm))} (gzip ${kb(gz(clientWasm))}), server .wasm files ${serverWasm.length}`;
    console.log(`     ${sizes}`);
    row(`Next.js (${bundler})`, version, "next build, next start; generate via Node route and edge route, and generateImage (ai) in a route; page in Chromium (validate, price, generate x2)", sizes);
  });
}
