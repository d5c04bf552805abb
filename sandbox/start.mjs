// Starts the sandbox binary on a free loopback port: resolves to { url, pid,
// stop() } once it listens. It exits when its stdin closes (so it cannot
// outlive the process that started it), and stop() also kills it by its pid.
// The one starter for the tests, the benchmarks, `make dev`, `make dev-jobs`
// and, run as a command, for the shell scripts (`make test`, `make demo`):
//
//   node sandbox/start.mjs [--log FILE] [sandbox options...] -- COMMAND [ARGS...]
//
// starts target/release/sandbox with the options (a later `--addr` replaces
// the free port), runs COMMAND with SANDBOX_URL set, stops the sandbox and
// exits with COMMAND's status.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { openSync, closeSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * `quietExit`: drop the sandbox's own notice of a requested exit from its stderr;
 * `log`: a file for its stderr instead.
 */
export function spawnSandbox(bin, args = [], { quietExit = false, log } = {}) {
  const logFd = log === undefined ? undefined : openSync(log, "w");
  const child = spawn(bin, ["--addr", "127.0.0.1:0", "--exit-on-stdin-eof", ...args], {
    stdio: ["pipe", "pipe", logFd ?? (quietExit ? "pipe" : "inherit")],
  });
  if (logFd !== undefined) closeSync(logFd); // the child holds its own copy
  if (quietExit) createInterface({ input: child.stderr }).on("line", (line) => /^sandbox: .*, exiting$/.test(line) || console.error(line));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => {
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (!m) return reject(new Error(`sandbox: unexpected first line: ${line}`));
      const stop = () =>
        new Promise((ok) => {
          if (child.exitCode !== null) return ok();
          child.once("exit", ok);
          child.stdin.end();
          process.kill(child.pid, "SIGTERM");
        });
      resolve({ url: m[1], pid: child.pid, stop });
    });
    child.once("error", (e) =>
      reject(e.code === "ENOENT" ? new Error(`no sandbox at ${bin}: build it with \`cargo build --release -p sandbox\``) : e),
    );
    child.once("exit", (code) => reject(new Error(`sandbox exited (${code})`)));
  });
}

/** The command form (see the top of this file). */
async function main(argv) {
  const split = argv.indexOf("--");
  if (split < 0 || split === argv.length - 1) {
    console.error("usage: node sandbox/start.mjs [--log FILE] [sandbox options...] -- COMMAND [ARGS...]");
    return 2;
  }
  const options = argv.slice(0, split);
  const [command, ...args] = argv.slice(split + 1);
  let log;
  const at = options.indexOf("--log");
  if (at >= 0) [, log] = options.splice(at, 2);
  const bin = fileURLToPath(new URL("../target/release/sandbox", import.meta.url));
  const sandbox = await spawnSandbox(bin, options, { log });
  try {
    const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, SANDBOX_URL: sandbox.url } });
    for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
    const [code, signal] = await new Promise((done, fail) => {
      child.once("error", fail);
      child.once("exit", (...end) => done(end));
    });
    return code ?? 128 + (constants.signals[signal] ?? 0);
  } finally {
    await sandbox.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`sandbox/start.mjs: ${e.message}`);
      process.exit(1);
    },
  );
}
