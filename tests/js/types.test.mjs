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
