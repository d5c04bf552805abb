// Starts the sandbox binary on a free loopback port for a test file. It stops
// when its stdin closes (so it cannot outlive the test process) and is
// killed by its pid when the tests end.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after } from "./harness.mjs";
import { sandboxControl } from "./sandbox-control.mjs";

export async function startSandbox(args = []) {
  const bin = process.env.SANDBOX_BIN;
  if (!bin) throw new Error("SANDBOX_BIN is not set: build it with `cargo build --release -p sandbox`");
  const child = spawn(bin, ["--addr", "127.0.0.1:0", "--exit-on-stdin-eof", ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      m ? resolve(m[1]) : reject(new Error(`unexpected first line: ${line}`));
    });
    child.once("exit", (code) => reject(new Error(`sandbox exited (${code})`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      child.stdin.end();
      process.kill(child.pid, "SIGTERM");
    });
  after(stop);
  return { ...sandboxControl(url), pid: child.pid, stop };
}
