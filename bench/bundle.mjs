// (c) The Workers bundle of a tiny Worker that generates one image, minified
// by esbuild as wrangler resolves it (platform neutral, conditions workerd,
// worker, browser) and gzipped (level 9), every output file counted: for
// gpt-image-edge that is the JS and the .wasm module beside it.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PEERS, peer, progress } from "./common.mjs";

const handler = (setup, call) => `export default {\n  async fetch(request, env) {\n    ${setup}\n    const result = await ${call};\n    return Response.json(result);\n  },\n};\n`;

export const ENTRIES = {
  "gpt-image-edge": [
    process.cwd(),
    `import { ImageClient } from "gpt-image-edge";\n` +
      handler(`const client = new ImageClient({ provider: "apiframe", apiKey: env.APIFRAME_API_KEY });`, `client.generate({ prompt: await request.text() })`),
  ],
  "openai (client.images.generate)": [
    PEERS,
    `import OpenAI from "openai";\n` +
      handler(`const client = new OpenAI({ apiKey: env.OPENAI_API_KEY });`, `client.images.generate({ model: "gpt-image-1", prompt: await request.text() })`),
  ],
  "@fal-ai/client (fal.subscribe)": [
    PEERS,
    `import { createFalClient } from "@fal-ai/client";\n` +
      handler(`const fal = createFalClient({ credentials: env.FAL_KEY });`, `fal.subscribe("fal-ai/gpt-image-1/text-to-image", { input: { prompt: await request.text() } })`),
  ],
  "replicate (replicate.run)": [
    PEERS,
    `import Replicate from "replicate";\n` +
      handler(`const replicate = new Replicate({ auth: env.REPLICATE_API_TOKEN });`, `replicate.run("openai/gpt-image-1", { input: { prompt: await request.text() } })`),
  ],
};

export async function bundles() {
  const esbuild = await peer("esbuild");
  const out = {};
  for (const [name, [dir, source]] of Object.entries(ENTRIES)) {
    const slug = name.replace(/[^a-z0-9]+/gi, "-").replace(/^-+|-+$/g, "");
    const entry = join(dir, `bundle-${slug}.mjs`);
    const outdir = join(process.cwd(), "bundles", slug);
    writeFileSync(entry, source);
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["browser", "module", "main"],
      loader: { ".wasm": "copy" },
      outdir,
      logLevel: "error",
    });
    if (result.errors.length) throw new Error(`esbuild failed for ${name}`);
    let min = 0;
    let gz = 0;
    const files = [];
    for (const f of readdirSync(outdir)) {
      const bytes = readFileSync(join(outdir, f));
      min += bytes.length;
      gz += gzipSync(bytes, { level: 9 }).length;
      files.push(f);
    }
    progress(`bundle: ${name}: ${files.join(" + ")}, ${min} bytes, ${gz} gzipped`);
    out[name] = { min, gz, files };
  }
  return out;
}
