#!/usr/bin/env node
// `make dev-jobs`: the sandbox plus examples/worker-jobs (durable jobs: a
// Workflow per job, the ImageLedger Durable Object, images in R2) in real
// workerd through Miniflare, on loopback, its state kept in .tmp/dev-jobs/state
// across runs. Prints a bearer token for two users to try it with.
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { SANDBOX_KEYS } from "../sandbox/keys.mjs";
import { installAndBundle, startSandbox } from "./dev.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = join(repo, ".tmp/dev-jobs");
rmSync(join(work, "dist"), { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// The package as a user installs it, and the Worker bundled as wrangler does.
rmSync(join(work, "node_modules"), { recursive: true, force: true });
const bundle = await installAndBundle(work, "examples/worker-jobs/src/index.js");

const sandbox = await startSandbox(Number(process.env.DEV_TIME_SCALE ?? 0.3));
const secret = process.env.ROUTE_SECRET ?? randomBytes(24).toString("hex");
const port = Number(process.env.PORT ?? 8789);
// As in examples/worker-jobs/wrangler.toml.
const mf = new Miniflare({
  ...bundle,
  compatibilityDate: "2026-07-01",
  workflows: { IMAGE_JOBS: { name: "gpt-image-edge-jobs", className: "ImageJobs" } },
  durableObjects: { IMAGE_LEDGER: { className: "ImageLedger", useSQLite: true } },
  r2Buckets: ["IMAGES"],
  defaultPersistRoot: join(work, "state"),
  bindings: {
    OPENAI_API_KEY: SANDBOX_KEYS.openai,
    APIFRAME_API_KEY: SANDBOX_KEYS.apiframe,
    FAL_API_KEY: SANDBOX_KEYS.fal,
    REPLICATE_API_KEY: SANDBOX_KEYS.replicate,
    ROUTE_SECRET: secret,
    PROVIDER_BASE_URL: sandbox.url,
    MAX_COST_USD: "1",
    DAILY_USD_PER_USER: "2",
    DAILY_USD_SITE: "50",
  },
  host: "127.0.0.1",
  port,
});
const url = (await mf.ready).toString().replace(/\/$/, "");
const bearer = (user) => `Bearer ${user}.${createHmac("sha256", secret).update(user).digest("hex")}`;
console.log(`dev-jobs: ${url}/api/{openai,apiframe,fal,replicate}  (examples/worker-jobs in workerd, durable jobs against the sandbox; state in .tmp/dev-jobs/state; Ctrl-C stops)`);
console.log(`  curl -s ${url}/api/openai/generate -H 'content-type: application/json' -H 'authorization: ${bearer("alice")}' -d '{"prompt":"A lighthouse at dusk","quality":"low"}'`);
console.log(`  then GET ${url}/api/openai/jobs/{token} with the same header; another user: authorization: ${bearer("bob")}`);
const stop = async () => {
  await mf.dispose();
  await sandbox.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
