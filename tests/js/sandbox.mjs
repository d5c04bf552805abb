// The sandbox for a test file (sandbox/start.mjs), stopped when the tests end,
// with its control endpoints.
import { spawnSandbox } from "../../sandbox/start.mjs";
import { after } from "./harness.mjs";
import { sandboxControl } from "./sandbox-control.mjs";

export async function startSandbox(args = []) {
  const bin = process.env.SANDBOX_BIN;
  if (!bin) throw new Error("SANDBOX_BIN is not set: build it with `cargo build --release -p sandbox`");
  const sandbox = await spawnSandbox(bin, args);
  after(sandbox.stop);
  return { ...sandboxControl(sandbox.url), pid: sandbox.pid, stop: sandbox.stop };
}
