// Helpers for the host tests: the pinned hosts installed under .tmp/hosts
// (scripts/test-hosts.sh), child processes in their own process group (killed
// whole: wrangler and next leave children behind otherwise), servers on
// loopback, and the table of what ran.
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after } from "../js/harness.mjs";

export const REPO = process.env.REPO;
export const HOSTS = join(REPO, ".tmp/hosts");
export const bin = {
  node20: process.execPath,
  node22: join(HOSTS, "node_modules/node22/bin/node"),
  node24: join(HOSTS, "node_modules/node24/bin/node"),
  node26: join(HOSTS, "node_modules/node26/bin/node"),
  deno: join(HOSTS, "node_modules/@deno/linux-x64-glibc/deno"),
  bun: join(HOSTS, "node_modules/bun/bin/bun.exe"),
  next: join(HOSTS, "node_modules/next/dist/bin/next"),
  vite: join(HOSTS, "node_modules/vite/bin/vite.js"),
  wrangler: join(HOSTS, "node_modules/wrangler/bin/wrangler.js"),
};

const quiet = { NEXT_TELEMETRY_DISABLED: "1", WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", FORCE_COLOR: "0" };

/** Run to completion; resolves to { code, out } (stdout and stderr together). */
export function run(cmd, args, { cwd = HOSTS, env = {}, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...quiet, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[killed after ${timeoutMs} ms]`;
      killGroup(child.pid);
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function killGroup(pid, signal = "SIGTERM") {
  try {
    process.kill(-pid, signal);
  } catch {}
}

/**
 * Start a server in its own process group and wait until `url` answers.
 * Resolves to { url, pid, output(), stop() }; stopped after the tests in any case.
 */
export async function startServer(cmd, args, { cwd = HOSTS, env = {}, url, timeoutMs = 60_000 }) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...quiet, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  let exited = false;
  const gone = new Promise((ok) => child.on("exit", () => ok((exited = true))));
  const stop = async () => {
    if (exited) return;
    killGroup(child.pid);
    const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), 5000);
    await gone;
    clearTimeout(timer);
    killGroup(child.pid, "SIGKILL"); // whatever the leader left behind (workerd)
  };
  after(stop);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${cmd} ${args.join(" ")} exited:\n${out}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
  return { url, pid: child.pid, output: () => out, stop };
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A row of the closing table: host, version, what ran, sizes the tools reported. */
export function row(host, version, what, sizes = "") {
  appendFileSync(join(HOSTS, "table.tsv"), [host, version, what, sizes].join("\t") + "\n");
}

export function must(result, what) {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.out.slice(-6000)}`);
  return result.out;
}
