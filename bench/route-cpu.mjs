// CPU per createRouteHandler request, inside workerd (Miniflare) and in Node:
// a refusal of a 64 KiB body of thousands of keys, a refusal of a small
// invalid body, a generate (to the sandbox) and a poll. Requests go one at a
// time. workerd's CPU is read from /proc (the nanoseconds its threads spent on
// a CPU across each request); Node's from process.cpuUsage().
import { startSandbox } from "./common.mjs";
import { SANDBOX_KEYS } from "./sandbox-keys.mjs";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const repo = createRequire(join(process.env.REPO, "package.json"));
const { Miniflare } = await import(pathToFileURL(repo.resolve("miniflare")).href);
const esbuild = await import(pathToFileURL(repo.resolve("esbuild")).href);
const N = Number(process.env.BENCH_ROUTE_N ?? 300);
const SECRET = "bench-secret-0123456789abcdef0123456789ab";


/** The requests, by kind, for a route at https://app.example.com/api/images. */
function requests(token) {
  const big = { prompt: "x" };
  for (let i = 0, size = 0; size < 63 * 1024; i++) {
    big[`k${i}`] = 1;
    size += `"k${i}":1,`.length;
  }
  const post = (body) => () => new Request("https://app.example.com/api/images/generate", { method: "POST", headers: { "content-type": "application/json", "x-user": "bench" }, body });
  return {
    "refuse 64 KiB, 5,000+ keys": post(JSON.stringify(big)),
    "refuse small invalid": post(JSON.stringify({ prompt: "", count: 99 })),
    generate: post(JSON.stringify({ prompt: "a lighthouse" })),
    poll: () => new Request(`https://app.example.com/api/images/jobs/${token}`, { headers: { "x-user": "bench" } }),
  };
}

const options = (url) => `{ provider: "apiframe", apiKey: ${JSON.stringify(SANDBOX_KEYS.apiframe)}, baseUrl: ${JSON.stringify(url)}, secret: ${JSON.stringify(SECRET)}, authorize: (r) => r.headers.get("x-user"), defaults: { quality: "low" }, typicalDurationMs: 150 }`;

function quantiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p99: q(0.99) };
}

async function measure(label, send, cpuNow) {
  const out = {};
  let token = null;
  const first = await send(requests(null).generate());
  token = JSON.parse(first).token;
  await new Promise((r) => setTimeout(r, 500)); // the job finishes
  for (const [kind, make] of Object.entries(requests(token))) {
    for (let i = 0; i < 20; i++) await send(make());
    const samples = [];
    for (let i = 0; i < N; i++) {
      const req = make();
      const t0 = cpuNow();
      await send(req);
      samples.push(cpuNow() - t0);
    }
    out[kind] = quantiles(samples);
  }
  for (const [kind, { p50, p99 }] of Object.entries(out)) {
    console.log(`${label.padEnd(8)} ${kind.padEnd(28)} CPU p50 ${(p50 / 1000).toFixed(3)} ms   p99 ${(p99 / 1000).toFixed(3)} ms`);
  }
}

const sandbox = await startSandbox(["--time-scale", "0.01"]);
try {
  // workerd: the route bundled from the package as wrangler would.
  writeFileSync("route-worker-src.mjs", `import { createRouteHandler } from "gpt-image-edge/route";\nlet h;\nexport default { fetch(request) { h ??= createRouteHandler(${options(sandbox.url)}); return h(request); } };\n`);
  await esbuild.build({ entryPoints: ["route-worker-src.mjs"], bundle: true, format: "esm", platform: "neutral", conditions: ["workerd", "worker"], mainFields: ["module", "main"], loader: { ".wasm": "copy" }, outdir: "route-worker", logLevel: "warning" });
  const mf = new Miniflare({
    modules: true,
    scriptPath: "route-worker/route-worker-src.js",
    modulesRoot: "route-worker",
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-01",
  });
  await mf.ready;
  const workerd = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).find((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, "utf8").trim() === "workerd" && readFileSync(`/proc/${p}/stat`, "utf8").split(" ")[3] === String(process.pid);
    } catch {
      return false;
    }
  });
  const workerdCpuUs = () =>
    readdirSync(`/proc/${workerd}/task`).reduce((sum, t) => {
      try {
        return sum + Number(readFileSync(`/proc/${workerd}/task/${t}/schedstat`, "utf8").split(" ")[0]) / 1000;
      } catch {
        return sum;
      }
    }, 0);
  await measure("workerd", async (req) => (await mf.dispatchFetch(req.url, { method: req.method, headers: req.headers, body: req.body ? await req.text() : undefined })).text(), workerdCpuUs);
  await mf.dispose();

  // Node: the same route in this process.
  const { createRouteHandler } = await import("gpt-image-edge/route");
  const h = createRouteHandler(eval(`(${options(sandbox.url)})`));
  const nodeCpuUs = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  await measure("node", async (req) => (await h(req)).text(), nodeCpuUs);
} finally {
  sandbox.stop();
}
