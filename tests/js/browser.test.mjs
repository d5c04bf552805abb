// The installed package in a real browser page (headless Chromium), loaded
// through an import map as a user without a bundler would.
import assert from "node:assert/strict";
import { copyFile } from "node:fs/promises";
import { test } from "./harness.mjs";
import { launchChromium, serveStatic } from "./serve.mjs";

test("the browser build validates and prices in a page, and holds nothing that takes a key", async () => {
  const root = process.cwd();
  await copyFile(new URL("./browser-page.html", import.meta.url), `${root}/index.html`);
  const server = await serveStatic(root);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => window.__results, null, { timeout: 20_000 });
    const r = await page.evaluate(() => window.__results);
    assert.deepEqual(pageErrors, []);
    assert.equal(r.validate.ok, true);
    assert.deepEqual(r.validate.value.errors.map((e) => e.code).sort(), ["empty", "out_of_range"]);
    assert.equal(r.estimate.value.usd, 0.36);
    assert.deepEqual(r.estimateInvalid.error, { name: "GptImageError", code: "INVALID_REQUEST", message: r.estimateInvalid.error.message });
    assert.deepEqual(r.info.value, ["apiframe", "gptimage2ai", "getimg", "openai", "azure", "openrouter", "replicate", "fal"]);
    // Validation, estimates and descriptions; no client, no wire formats (nor
    // the price of an answer's usage), no webhook checks (each takes a key or
    // provider traffic, never a page's).
    assert.deepEqual(r.exports.value, ["GptImageError", "estimateCost", "providerInfo", "readBounded", "validateRequest"]);
    assert.ok(r.validateMicros > 0 && r.validateMicros < 1000, String(r.validateMicros));
    console.log(`     validateRequest in Chromium: ${r.validateMicros.toFixed(1)} us/call`);
    // The page loaded the package's own browser build.
    assert.ok(server.responses.some((x) => x.path.endsWith("browser/gpt_image_edge_bg.wasm")));
  } finally {
    await browser.close();
    await server.close();
  }
});
