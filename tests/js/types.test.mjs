// The published types, checked the way a strict TypeScript user would.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "./harness.mjs";

test("tsc --strict --noEmit passes on a file using the whole API", () => {
  const tsc = `${process.env.REPO}/node_modules/typescript/bin/tsc`;
  try {
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { encoding: "utf8" });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});

test("tsc --strict --noEmit passes on gpt-image-edge/ai used with the ai package's types", () => {
  const tsc = `${process.env.REPO}/node_modules/typescript/bin/tsc`;
  try {
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.ai.json"], { encoding: "utf8" });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});

test("tsc --strict --noEmit with the browser condition: the browser build's types, and no ImageClient", () => {
  const tsc = `${process.env.REPO}/node_modules/typescript/bin/tsc`;
  try {
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.browser.json"], { encoding: "utf8" });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
