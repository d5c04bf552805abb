// (b) Cold start: the wall time of a whole fresh Node process that imports
// gpt-image-edge and validates one request, against one that imports openai
// and builds a client. Runs alternate; an empty Node process is timed too,
// for scale. Each child must print "ok".
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PEERS, median, progress } from "./common.mjs";

const SCRIPTS = {
  ours: [process.cwd(), "cold-ours.mjs", `import { validateRequest } from "gpt-image-edge";\nif (!validateRequest("apiframe", { prompt: "a lighthouse at dusk" }).ok) process.exit(1);\nconsole.log("ok");\n`],
  openai: [PEERS, "cold-openai.mjs", `import OpenAI from "openai";\nconst client = new OpenAI({ apiKey: "sk-cold-start" });\nif (!client.images) process.exit(1);\nconsole.log("ok");\n`],
  empty: [process.cwd(), "cold-empty.mjs", `console.log("ok");\n`],
};

function once(file, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [file], { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("exit", (code) => {
      const ms = performance.now() - t0;
      code === 0 && out.trim() === "ok" ? resolve(ms) : reject(new Error(`${file} exited ${code}: ${out}`));
    });
  });
}

export async function coldStart({ runs = 11 } = {}) {
  const files = {};
  for (const [name, [dir, file, text]] of Object.entries(SCRIPTS)) {
    files[name] = [join(dir, file), dir];
    writeFileSync(files[name][0], text);
  }
  for (const name of Object.keys(files)) await once(...files[name]); // file cache warm
  const times = { ours: [], openai: [], empty: [] };
  progress(`cold start: ${runs} runs each`);
  for (let i = 0; i < runs; i++) {
    for (const name of i % 2 ? ["openai", "ours", "empty"] : ["ours", "openai", "empty"]) times[name].push(await once(...files[name]));
  }
  return { ours: median(times.ours), openai: median(times.openai), empty: median(times.empty) };
}
