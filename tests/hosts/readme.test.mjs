// Every README snippet about hosts is code that runs: each code block in
// "Where it runs" is marked `<!-- from FILE -->` and is a verbatim excerpt of
// that file (an example the host tests build, or a smoke program), where a line
// `// ...` stands for left-out lines.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../js/harness.mjs";
import { REPO } from "./hosts.mjs";

const readme = readFileSync(join(REPO, "README.md"), "utf8");

function section(title) {
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has no section ${title}`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

for (const [title, least] of [["Where it runs", 5], ["Jobs that outlive the request (Cloudflare)", 1]]) test(`README: every snippet in '${title}' is taken from a tested file`, () => {
  const text = section(title);
  const blocks = [...text.matchAll(/(?:<!-- from (\S+) -->\n)?```\w*\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= least, `${blocks.length} snippets`);
  for (const [, file, code] of blocks) {
    assert.ok(file, `a snippet without its source:\n${code}`);
    const source = readFileSync(join(REPO, file), "utf8");
    let at = 0;
    for (const chunk of code.split(/^\s*\/\/ \.\.\.\n/m)) {
      const piece = chunk.replace(/^\n+|\n+$/g, "");
      if (!piece) continue;
      const found = source.indexOf(piece, at);
      assert.ok(found >= 0, `${file} does not contain, in this order:\n${piece}`);
      at = found + piece.length;
    }
  }
});

test("README: the route handler of the edge example differs from the Node one only as the README says", () => {
  const node = readFileSync(join(REPO, "examples/nextjs/app/api/images/[...path]/route.ts"), "utf8");
  const edge = readFileSync(join(REPO, "examples/nextjs/app/api/edge/[...path]/route.ts"), "utf8");
  const normalise = (s) => s.split("\n").filter((l) => !l.startsWith("//") && l !== 'export const runtime = "edge";' && l !== "").join("\n").replace('"/api/edge"', '"/api/images"');
  assert.equal(normalise(edge), normalise(node));
});

test("README: the packed README is for users, at most 300 lines", () => {
  const packed = readFileSync(join(REPO, ".tmp/hosts/node_modules/gpt-image-edge/README.md"), "utf8");
  assert.equal(packed, readme, "the package ships the README");
  const lines = packed.split("\n").length - (packed.endsWith("\n") ? 1 : 0);
  assert.ok(lines <= 300, `${lines} lines`);
});
