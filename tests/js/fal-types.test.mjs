// Every body the package builds for fal type-checks (`tsc --strict`) against fal's own
// generated input types (spec/fal/fal-js-endpoints.gpt-image-2.excerpt.ts, verbatim from
// fal-ai/fal-js): GptImage2Input for generations, GptImage2EditInput for edits. The
// excerpt's `export type` blocks are taken as they are; a control shows tsc refuses a
// body those types do not allow.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSubmitRequest } from "gpt-image-edge";
import { after, test } from "./harness.mjs";

const repo = process.env.REPO;
const tsc = `${repo}/node_modules/typescript/bin/tsc`;
const excerpt = readFileSync(`${repo}/spec/fal/fal-js-endpoints.gpt-image-2.excerpt.ts`, "utf8");

/** The excerpt's complete `export type X = ...;` declarations, verbatim. */
function declarations(text) {
  const out = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("export type ")) continue;
    const block = [lines[i]];
    // A one-line alias ends on its own line; an object type at the line `};`.
    while (!block.at(-1).trimEnd().endsWith(";") || (block[0].endsWith("{") && block.at(-1) !== "};")) block.push(lines[++i]);
    out.push(block.join("\n"));
  }
  return out.join("\n\n");
}

const types = declarations(excerpt);
for (const name of ["GptImage2Input", "GptImage2EditInput", "ImageSize"]) {
  assert.ok(types.includes(`export type ${name} =`), `the excerpt declares ${name}`);
}

/** Runs tsc --strict on `source` (after the types); its output, or "" when it passes. */
function typecheck(source) {
  const dir = mkdtempSync(join(tmpdir(), "fal-types-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // `Blob` and `File` appear in the edit type (mask_url): the DOM library has them.
  writeFileSync(join(dir, "bodies.ts"), `${types}\n\n${source}\n`);
  // No ambient types from node_modules: only fal's declarations and the bodies.
  const compilerOptions = { strict: true, noEmit: true, target: "es2022", lib: ["es2022", "dom"], types: [] };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["bodies.ts"] }));
  try {
    execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
    return "";
  } catch (e) {
    return `${e.stdout}${e.stderr}`;
  }
}

// The three (plain; quality, 3:2 and png; two references with two outputs: fal
// has no 3:2 preset, so 3:2 is its size), then the other inputs: presets, a mask, webp.
const REQUESTS = [
  { prompt: "A lighthouse at dusk" },
  { prompt: "A lighthouse at dusk", quality: "high", size: "1536x1024", outputFormat: "png" },
  { prompt: "A lighthouse at dusk", references: ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"], count: 2 },
  { prompt: "x", aspectRatio: "16:9", quality: "low", outputFormat: "webp" },
  { prompt: "x", references: ["https://cdn.example.com/a.png"], mask: "https://cdn.example.com/m.png", size: "auto", quality: "medium", outputFormat: "jpeg" },
];

test("every fal body the package builds type-checks against fal's own GptImage2Input / GptImage2EditInput, each with quality", () => {
  const lines = [];
  for (const [i, request] of REQUESTS.entries()) {
    const spec = buildSubmitRequest("fal", request, { apiKey: "fal-key" });
    assert.deepEqual(spec.warnings, [], JSON.stringify(request));
    const body = JSON.parse(spec.body);
    assert.equal(typeof body.quality, "string", `${JSON.stringify(request)} carries quality`);
    const edit = new URL(spec.url).pathname.endsWith("/edit");
    assert.equal(edit, Boolean(request.references), spec.url);
    lines.push(`export const body${i}: ${edit ? "GptImage2EditInput" : "GptImage2Input"} = ${JSON.stringify(body)};`);
  }
  const errors = typecheck(lines.join("\n"));
  assert.equal(errors, "", errors);
});

test("the check can fail: tsc refuses bodies fal's types do not allow", () => {
  for (const [type, body] of [
    ["GptImage2Input", { prompt: "x", background: "opaque" }],
    ["GptImage2Input", { prompt: "x", quality: "ultra" }],
    ["GptImage2EditInput", { prompt: "x" }],
    ["GptImage2Input", { prompt: "x", image_size: { width: "1024" } }],
  ]) {
    const errors = typecheck(`export const bad: ${type} = ${JSON.stringify(body)};`);
    assert.match(errors, /error TS/, `${type} ${JSON.stringify(body)}`);
  }
});
