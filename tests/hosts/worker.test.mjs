// examples/worker from the packed tarball with wrangler (Node 24: wrangler
// needs 22.12+): `wrangler deploy --dry-run` bundles ONE wasm module although
// the Worker imports both gpt-image-edge and gpt-image-edge/route, and
// `wrangler dev` on loopback answers a generate against the sandbox.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SANDBOX_KEYS } from "../../sandbox/keys.mjs";
import { test } from "../js/harness.mjs";
import { startSandbox } from "../js/sandbox.mjs";
import { HOSTS, REPO, bin, freePort, must, row, run, startServer } from "./hosts.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const version = JSON.parse(readFileSync(join(HOSTS, "node_modules/wrangler/package.json"), "utf8")).version;
const app = join(HOSTS, "worker");

function setUp() {
  rmSync(app, { recursive: true, force: true });
  cpSync(join(REPO, "examples/worker"), app, { recursive: true });
  // The static assets: the page and the package's browser build.
  const pkg = join(HOSTS, "node_modules/gpt-image-edge/dist");
  cpSync(join(REPO, "www"), join(app, "public"), { recursive: true });
  cpSync(join(pkg, "browser.mjs"), join(app, "public/pkg/browser.js"));
  cpSync(join(pkg, "browser"), join(app, "public/pkg/browser"), { recursive: true });
}

test(`wrangler ${version}: deploy --dry-run bundles one wasm module for gpt-image-edge + gpt-image-edge/route`, async () => {
  setUp();
  const out = must(await run(bin.node24, [bin.wrangler, "deploy", "--dry-run", "--outdir", "dist"], { cwd: app, timeoutMs: 180_000 }), "wrangler deploy --dry-run");
  const source = readFileSync(join(app, "src/index.js"), "utf8");
  assert.match(source, /from "gpt-image-edge"/);
  assert.match(source, /from "gpt-image-edge\/route"/);
  const wasm = readdirSync(join(app, "dist"), { recursive: true }).filter((f) => String(f).endsWith(".wasm"));
  assert.equal(wasm.length, 1, `wasm modules: ${wasm.join(" ")}`);
  const total = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(out);
  assert.ok(total, out);
  console.log(out.split("\n").filter((l) => /Total Upload|\.wasm|\.js|KiB/.test(l)).map((l) => `     ${l.trim()}`).join("\n"));
  row("wrangler deploy --dry-run", version, `Worker importing gpt-image-edge and /route: ${wasm.length} wasm module`, `Total Upload ${total[1]}, gzip ${total[2]}`);
});

test(`wrangler ${version}: wrangler dev answers a generate through the route against the sandbox`, async () => {
  if (!readdirSync(app).includes("public")) setUp();
  writeFileSync(
    join(app, ".dev.vars"),
    [`APIFRAME_API_KEY=${SANDBOX_KEYS.apiframe}`, `ROUTE_SECRET=${randomBytes(24).toString("hex")}`, `PROVIDER_BASE_URL=${sandbox.url}`, `TYPICAL_DURATION_MS=300`].join("\n") + "\n",
  );
  const port = await freePort();
  const inspector = await freePort();
  const server = await startServer(
    bin.node24,
    [bin.wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--show-interactive-dev-session=false"],
    { cwd: app, url: `http://127.0.0.1:${port}/api/providers`, timeoutMs: 90_000 },
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    const body = JSON.stringify({ prompt: "A lighthouse at dusk", quality: "low" });
    const anonymous = await fetch(`${base}/api/apiframe/generate`, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal(anonymous.status, 401, "no session: refused");
    // The page's first call starts the visitor's session (a signed cookie).
    const providers = await fetch(`${base}/api/providers`);
    assert.deepEqual(await providers.json(), ["apiframe"]);
    const cookie = providers.headers.get("set-cookie").split(";")[0];
    const r = await fetch(`${base}/api/apiframe/generate`, { method: "POST", headers: { "content-type": "application/json", cookie }, body });
    const accepted = await r.json();
    assert.equal(r.status, 202, JSON.stringify(accepted));
    let job;
    for (let i = 0; i < 100; i++) {
      job = await (await fetch(`${base}/api/apiframe/jobs/${accepted.token}`, { headers: { cookie } })).json();
      if (job.status !== "queued" && job.status !== "running") break;
      await new Promise((ok) => setTimeout(ok, 200));
    }
    assert.equal(job.status, "succeeded", JSON.stringify(job));
    assert.ok(!server.output().includes(SANDBOX_KEYS.apiframe));
  } finally {
    await server.stop();
  }
  row("wrangler dev (workerd)", version, "generate through createRouteHandler against the sandbox, polled to the image");
});
