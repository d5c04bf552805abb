// What the benchmarks share: the sandbox, the peers' folder, medians, and
// reading a process's memory and CPU from /proc.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Progress goes to stderr; only the table goes to stdout. */
export const progress = (...args) => console.error("  ..", ...args);

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) throw new Error("median of nothing");
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** The folder the peers are installed in (`npm ci` of bench/peers by scripts/bench.sh). */
export const PEERS = process.env.PEERS;

/** Imports a peer package from PEERS, never from the bench's own folder. */
export async function peer(name) {
  if (!PEERS) throw new Error("PEERS is not set: run scripts/bench.sh");
  const require = createRequire(join(PEERS, "package.json"));
  return import(pathToFileURL(require.resolve(name)).href);
}

/** Imports a tool of the repository's own dev dependencies (miniflare), or one of that tool's own dependencies (`via`). */
export async function repoTool(name, via) {
  let require = createRequire(join(process.env.REPO, "package.json"));
  if (via) require = createRequire(require.resolve(via));
  return import(pathToFileURL(require.resolve(name)).href);
}

/** The version of a package installed in `folder`. */
export function installedVersion(folder, name) {
  return JSON.parse(readFileSync(join(folder, "node_modules", name, "package.json"), "utf8")).version;
}

const { spawnSandbox } = await import(pathToFileURL(join(process.env.REPO, "sandbox/start.mjs")).href);

/** Starts the sandbox on a free loopback port (sandbox/start.mjs), with its stats and reset. */
export async function startSandbox(args = []) {
  const sandbox = await spawnSandbox(process.env.SANDBOX_BIN, args, { quietExit: true });
  return {
    ...sandbox,
    stats: async () => (await fetch(`${sandbox.url}/sandbox/stats`)).json(),
    reset: () => fetch(`${sandbox.url}/sandbox/reset`, { method: "POST" }),
  };
}

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM). */
export function statusKiB(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Resets a process's peak RSS (VmHWM) to its current RSS. */
export function resetPeak(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** CPU time (µs) all threads of `pid` have spent on a CPU. */
export function threadsCpuUs(pid) {
  return readdirSync(`/proc/${pid}/task`).reduce((sum, t) => {
    try {
      return sum + Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]) / 1000;
    } catch {
      return sum; // the thread ended
    }
  }, 0);
}

/** The pid of the `workerd` process that this process started (Miniflare's). */
export function childWorkerd() {
  const pid = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).find((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, "utf8").trim() === "workerd" && readFileSync(`/proc/${p}/stat`, "utf8").split(" ")[3] === String(process.pid);
    } catch {
      return false;
    }
  });
  if (!pid) throw new Error("no workerd process under this one");
  return pid;
}
