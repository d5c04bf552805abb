#!/usr/bin/env node
// `make dev`: the sandbox plus the example Worker (examples/worker) in real
// workerd through Miniflare, on loopback. The Worker is bundled from the
// packed npm package as wrangler would (the "workerd" condition), and serves
// www/ with the package's browser build as static assets.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { SANDBOX_KEYS as KEYS, SANDBOX_SETTINGS } from "../sandbox/keys.mjs";
import { spawnSandbox } from "../sandbox/start.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The sandbox's keys as the example Worker's bindings (`APIFRAME_API_KEY`, ...). */
const SANDBOX_KEYS = Object.fromEntries(Object.entries(KEYS).map(([id, key]) => [`${id.toUpperCase()}_API_KEY`, key]));
// The example Worker's bindings for the settings: AZURE_DEPLOYMENT, ...
const SETTING_BINDINGS = Object.fromEntries(
  Object.entries(SANDBOX_SETTINGS).flatMap(([id, settings]) =>
    Object.entries(settings).map(([name, value]) => [`${id.toUpperCase()}_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, value]),
  ),
);

/** The sandbox at `timeScale` (sandbox/start.mjs). */
export function startSandbox(timeScale) {
  return spawnSandbox(join(repo, "target/release/sandbox"), ["--time-scale", String(timeScale)]);
}

/**
 * Into `work`: the packed package installed as a user installs it, and the
 * Worker at `entry` bundled as wrangler does (workerd condition, wasm kept as
 * a module import) into `work/dist`. Resolves to Miniflare's options for
 * loading that bundle.
 */
export async function installAndBundle(work, entry) {
  const tgz = execFileSync("npm", ["pack", join(repo, "pkg"), "--silent", "--pack-destination", work], { encoding: "utf8" }).trim().split("\n").pop();
  execFileSync("npm", ["init", "-y"], { cwd: work, stdio: "ignore" });
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", join(work, tgz)], { cwd: work, stdio: "ignore" });
  await esbuild.build({
    entryPoints: [join(repo, entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker"],
    mainFields: ["module", "main"],
    loader: { ".wasm": "copy" },
    external: ["cloudflare:*"],
    nodePaths: [join(work, "node_modules")],
    outdir: join(work, "dist"),
    logLevel: "warning",
  });
  return {
    modules: true,
    scriptPath: join(work, "dist/index.js"),
    modulesRoot: join(work, "dist"),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
  };
}

/** Build and start everything; resolves to { url, keys, stop }. */
export async function startDev({ port = 8788, timeScale = 1, limits = {} } = {}) {
  const work = join(repo, ".tmp/worker");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const bundle = await installAndBundle(work, "examples/worker/src/index.js");

  // Static assets: the page and the package's browser build (no client, no key).
  const pub = join(work, "public");
  cpSync(join(repo, "www"), pub, { recursive: true });
  const installed = join(work, "node_modules/gpt-image-edge");
  cpSync(join(installed, "dist/browser.mjs"), join(pub, "pkg/browser.js"));
  cpSync(join(installed, "dist/browser"), join(pub, "pkg/browser"), { recursive: true });

  const keys = process.env.GPT_IMAGE_API_KEY ? {} : SANDBOX_KEYS;
  const sandbox = Object.keys(keys).length ? await startSandbox(timeScale) : null;
  const mf = new Miniflare({
    ...bundle,
    compatibilityDate: "2025-09-01",
    assets: { directory: pub, binding: "ASSETS", routerConfig: { has_user_worker: true } },
    // As in wrangler.toml: a rate limit per visitor, a Durable Object for each day's spend.
    ratelimits: { IMAGE_RATE_LIMIT: { namespace_id: "1001", simple: { limit: limits.perMinute ?? 10, period: 60 } } },
    durableObjects: { DAILY_SPEND: "DailySpend" },
    bindings: {
      ...keys,
      ...(sandbox ? SETTING_BINDINGS : {}),
      ROUTE_SECRET: randomBytes(24).toString("hex"),
      PROVIDER_BASE_URL: sandbox ? sandbox.url : "",
      MAX_COST_USD: "1",
      DAILY_USD_PER_VISITOR: String(limits.dailyUsdPerVisitor ?? 2),
      DAILY_USD_SITE: String(limits.dailyUsdSite ?? 50),
      ...(sandbox ? { TYPICAL_DURATION_MS: String(15000 * timeScale) } : {}),
    },
    host: "127.0.0.1",
    port,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    keys: Object.values(keys),
    stop: async () => {
      await mf.dispose();
      if (sandbox) await sandbox.stop();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8788);
  const dev = await startDev({ port, timeScale: Number(process.env.DEV_TIME_SCALE ?? 0.3) });
  console.log(`dev: ${dev.url}  (the example Worker in workerd, against the sandbox; Ctrl-C stops both)`);
  const stop = async () => {
    await dev.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
