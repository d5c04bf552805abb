// What the framework tests share: an example copied beside .tmp/hosts/node_modules,
// a production server (Node, or `wrangler dev` for a Workers build), and the
// calls a page makes: a same-origin POST of a generate, then polling its job.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SANDBOX_KEYS } from "../../sandbox/keys.mjs";
import { HOSTS, REPO, bin, freePort, startServer } from "./hosts.mjs";

/** The version of an installed host package. */
export const versionOf = (name) => JSON.parse(readFileSync(join(HOSTS, "node_modules", name, "package.json"), "utf8")).version;

/** examples/NAME copied to .tmp/hosts/DIR (fresh); its path. */
export function copyExample(name, dir = name) {
  const app = join(HOSTS, dir);
  rmSync(app, { recursive: true, force: true });
  cpSync(join(REPO, "examples", name), app, { recursive: true, filter: (src) => !/\/(node_modules|\.svelte-kit|\.nuxt|\.output|\.wrangler|dist|build)$/.test(src) });
  return app;
}

/** The route's settings as environment variables: the sandbox's key and URL, a fresh secret. */
export const routeEnv = (sandbox) => ({ APIFRAME_API_KEY: SANDBOX_KEYS.apiframe, ROUTE_SECRET: randomBytes(24).toString("hex"), PROVIDER_BASE_URL: sandbox.url });

/** Start a Node server (`args` after node) on a free port, given as PORT and HOST. */
export async function startNode(app, args, env, { path = "/", node = bin.node24 } = {}) {
  const port = await freePort();
  return startServer(node, args, { cwd: app, env: { ...env, HOST: "127.0.0.1", PORT: String(port) }, url: `http://127.0.0.1:${port}${path}`, timeoutMs: 60_000 });
}

/** `wrangler dev` in `cwd` (its wrangler config), on loopback, `env` as .dev.vars. */
export async function startWrangler(cwd, env, { path = "/", config = [] } = {}) {
  writeFileSync(join(cwd, ".dev.vars"), Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  const port = await freePort();
  const inspector = await freePort();
  return startServer(
    bin.node24,
    [bin.wrangler, "dev", ...config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--show-interactive-dev-session=false"],
    { cwd, url: `http://127.0.0.1:${port}${path}`, timeoutMs: 90_000 },
  );
}

/**
 * What a page does: a same-origin POST {base}{route}/generate (JSON), 202 with
 * a token, then GET {route}/jobs/{token} until it succeeds. Refused without a
 * user first. The key never appears in what the server printed.
 */
export async function generateSameOrigin(server, route = "/api/images") {
  const base = new URL(server.url).origin;
  const page = { "content-type": "application/json", origin: base, "sec-fetch-site": "same-origin" };
  const body = JSON.stringify({ prompt: "A lighthouse at dusk", quality: "low" });
  const refused = await fetch(`${base}${route}/generate`, { method: "POST", headers: page, body });
  assert.equal(refused.status, 401, `no user: ${refused.status} ${await refused.text()}`);
  const headers = { ...page, "x-demo-user": "user-1" };
  const r = await fetch(`${base}${route}/generate`, { method: "POST", headers, body });
  const text = await r.text();
  assert.equal(r.status, 202, text.slice(0, 500));
  const accepted = JSON.parse(text);
  assert.ok(accepted.token, text);
  let job;
  for (let i = 0; i < 150; i++) {
    const polled = await fetch(`${base}${route}/jobs/${accepted.token}`, { headers: { "x-demo-user": "user-1", "sec-fetch-site": "same-origin" } });
    job = await polled.json();
    assert.equal(polled.status, 200, JSON.stringify(job));
    if (job.status !== "queued" && job.status !== "running") break;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  assert.equal(job.status, "succeeded", JSON.stringify(job));
  assert.equal(job.images.length, 1);
  assert.ok(!JSON.stringify(job).includes(SANDBOX_KEYS.apiframe));
  assert.ok(!server.output().includes(SANDBOX_KEYS.apiframe), "the key in the server's output");
}

/** Seconds since `start` (performance.now()), for the table. */
export const seconds = (start) => `${((performance.now() - start) / 1000).toFixed(1)} s`;
