// Starts the sandbox binary on a free loopback port: resolves to { url, pid,
// stop() } once it listens. It exits when its stdin closes (so it cannot
// outlive the process that started it), and stop() also kills it by its pid.
// The one starter for the tests, the benchmarks, `make dev` and `make dev-jobs`.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** `quietExit`: drop the sandbox's own notice of a requested exit from its stderr. */
export function spawnSandbox(bin, args = [], { quietExit = false } = {}) {
  const child = spawn(bin, ["--addr", "127.0.0.1:0", "--exit-on-stdin-eof", ...args], {
    stdio: ["pipe", "pipe", quietExit ? "pipe" : "inherit"],
  });
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
    child.once("exit", (code) => reject(new Error(`sandbox exited (${code})`)));
  });
}
