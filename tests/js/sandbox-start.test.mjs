// sandbox/start.mjs run as a command (how `make test` and `make demo` start the
// sandbox): the command sees a listening sandbox at SANDBOX_URL, the starter
// exits with the command's status, and the sandbox is gone afterwards.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check } from "./check.mjs";
import { test } from "./harness.mjs";

const starter = join(process.env.REPO, "sandbox/start.mjs");

/** Runs the starter with `args`; resolves to its exit code, signal and output. */
function runStarter(args) {
  const child = spawn(process.execPath, [starter, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (b) => (out += b));
  child.stderr.on("data", (b) => (err += b));
  return new Promise((done) => child.once("exit", (code, signal) => done({ code, signal, out, err })));
}

/** True when nothing answers at `url` any more. */
async function refused(url) {
  try {
    await fetch(`${url}/sandbox/stats`);
    return false;
  } catch {
    return true;
  }
}

// The command: reads the sandbox's statistics, prints its URL and them, exits 7.
const probe = `
  const url = process.env.SANDBOX_URL;
  const stats = await (await fetch(url + "/sandbox/stats")).json();
  console.log(JSON.stringify({ url, stats }));
  process.exit(7);
`;

test("sandbox/start.mjs runs a command against a listening sandbox, exits with its status and stops the sandbox", async () => {
  const log = join(mkdtempSync(join(tmpdir(), "sandbox-start-")), "sandbox.log");
  const r = await runStarter(["--log", log, "--time-scale", "0.02", "--", process.execPath, "--input-type=module", "-e", probe]);
  check(r.code === 7, `exit code ${r.code} (signal ${r.signal}), want the command's 7; stderr: ${r.err}`);
  const { url, stats } = JSON.parse(r.out.trim());
  check(/^http:\/\/127\.0\.0\.1:\d+$/.test(url), `SANDBOX_URL is ${url}, want a loopback URL`);
  check(stats && typeof stats === "object", `the sandbox answered ${JSON.stringify(stats)}`);
  check(await refused(url), `the sandbox at ${url} still answers after the command ended`);
  check(/exiting/.test(readFileSync(log, "utf8")), "the sandbox's own output is not in --log");
});

test("sandbox/start.mjs forwards a command's death by signal as 128 + the signal's number", async () => {
  const r = await runStarter(["--", process.execPath, "-e", "process.kill(process.pid, 'SIGTERM')"]);
  check(r.code === 128 + 15, `exit code ${r.code}, want 143`);
});

test("sandbox/start.mjs without a command prints its usage and exits 2; a missing command exits 1", async () => {
  const usage = await runStarter(["--time-scale", "0.02"]);
  check(usage.code === 2 && /usage: node sandbox\/start\.mjs/.test(usage.err), `got ${usage.code}: ${usage.err}`);
  const missing = await runStarter(["--", "/nonexistent/command"]);
  check(missing.code === 1 && /ENOENT/.test(missing.err), `got ${missing.code}: ${missing.err}`);
});
