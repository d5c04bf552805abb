// The page as a person uses it, in Chromium, against `make dev` (the example
// Worker in workerd, against the sandbox).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { after, test } from "./harness.mjs";
import { launchChromium } from "./serve.mjs";

const { startDev } = await import(pathToFileURL(`${process.env.REPO}/scripts/dev.mjs`).href);
const dev = await startDev({ port: 0, timeScale: 0.05 });
after(() => dev.stop());

test("the page validates and prices in the browser, then generates through the route", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    const responses = [];
    const apiCalls = [];
    page.on("request", (r) => { if (new URL(r.url()).pathname.startsWith("/api/")) apiCalls.push(new URL(r.url()).pathname); });
    page.on("response", async (r) => {
      const body = await r.body().catch(() => Buffer.alloc(0));
      responses.push({ url: r.url(), headers: JSON.stringify(await r.allHeaders()), body });
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(dev.url);
    await page.waitForSelector("#provider option[value=apiframe]", { state: "attached" });
    await page.selectOption("#provider", "apiframe");

    // An invalid request: messages under the fields, no price, no request sent.
    await page.fill("#prompt", "x");
    await page.fill("#prompt", "  ");
    await page.fill("#f-count", "11");
    const promptMsg = await page.textContent('[data-path="prompt"] .message');
    const countMsg = await page.textContent('[data-path="count"] .message');
    assert.match(promptMsg, /blank/);
    assert.match(countMsg, /between 1 and 10/);
    assert.equal(await page.isDisabled("#submit"), true);
    assert.equal(await page.textContent("#price"), "—");

    // Fixed: a price, and it follows the quality.
    await page.fill("#prompt", "A lighthouse on a cliff at dusk");
    await page.fill("#f-count", "2");
    const auto = await page.textContent("#price");
    await page.selectOption("#f-quality", "low");
    const low = await page.textContent("#price");
    assert.equal(auto, "$0.46");
    assert.equal(low, "$0.08");
    assert.match(await page.textContent("#basis"), /4 credits per low-quality image x 2 images/);
    assert.equal(await page.textContent('[data-path="count"] .message'), "");
    assert.deepEqual(apiCalls, ["/api/providers"], "validation and prices made no request");

    // Generate: progress, then the finished images.
    await page.click("#submit");
    await page.waitForFunction(() => document.querySelectorAll("#images img").length === 2 && [...document.querySelectorAll("#images img")].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 30_000 });
    assert.equal(await page.textContent("#status"), "succeeded");
    assert.ok(apiCalls.includes("/api/apiframe/generate") && apiCalls.some((p) => p.startsWith("/api/apiframe/jobs/")), apiCalls.join(" "));
    mkdirSync(`${process.env.REPO}/out`, { recursive: true });
    await page.screenshot({ path: `${process.env.REPO}/out/www-screenshot.png`, fullPage: true });

    // The key is nowhere the browser can see.
    const source = await page.content();
    for (const key of dev.keys) {
      assert.ok(!source.includes(key), "the page source holds a key");
      for (const r of responses) {
        assert.ok(!r.body.includes(key) && !r.headers.includes(key), `a response to the page held a key: ${r.url}`);
      }
    }
    assert.ok(responses.length >= 8, `${responses.length} responses scanned`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
