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
    const pending = [];
    page.on("response", (r) => {
      // Streams end later than their headers: every body is read before the scan below.
      pending.push((async () => {
        const body = await r.body().catch(() => Buffer.alloc(0));
        const headers = await r.allHeaders().catch(() => ({}));
        responses.push({ url: r.url(), headers: JSON.stringify(headers), body });
      })());
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

    // Generate: one streamed call, progress as it comes, then the finished images.
    await page.evaluate(() => {
      window.seen = [];
      const t0 = performance.now();
      new MutationObserver(() => window.seen.push({ status: document.getElementById("status").textContent, images: [...document.querySelectorAll("#images img")].map((i) => i.className || "final"), at: performance.now() - t0 }))
        .observe(document.getElementById("result"), { childList: true, subtree: true, characterData: true });
    });
    await page.click("#submit");
    await page.waitForFunction(() => document.querySelectorAll("#images img").length === 2 && [...document.querySelectorAll("#images img")].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 30_000 });
    assert.equal(await page.textContent("#status"), "succeeded");
    const statuses = (await page.evaluate(() => window.seen)).map((s) => s.status);
    assert.ok(statuses.includes("running"), `progress was shown: ${statuses.join(" ")}`);
    assert.ok(apiCalls.includes("/api/apiframe/generate") && !apiCalls.some((p) => p.includes("/jobs/")), `one streamed call, no polling: ${apiCalls.join(" ")}`);
    mkdirSync(`${process.env.REPO}/out`, { recursive: true });
    await page.screenshot({ path: `${process.env.REPO}/out/www-screenshot.png`, fullPage: true });

    // OpenAI: partial images appear before the final one.
    await page.selectOption("#provider", "openai");
    await page.fill("#prompt", "A lighthouse on a cliff at dusk");
    await page.selectOption("#f-quality", "high");
    await page.fill("#f-size", "1024x1024");
    await page.evaluate(() => { window.seen = []; });
    await page.click("#submit");
    await page.waitForSelector("#images img.partial", { timeout: 30_000 });
    await page.waitForFunction(() => [...document.querySelectorAll("#images img.partial")].every((i) => i.complete && i.naturalWidth > 0));
    const shotStart = await page.evaluate(() => window.seen.length);
    await page.screenshot({ path: `${process.env.REPO}/out/www-partial-image.png`, fullPage: true });
    const shownDuringShot = await page.evaluate((n) => window.seen.slice(n).some((s) => s.images.includes("final")), shotStart);
    await page.waitForFunction(() => { const i = document.querySelector("#images img:not(.partial)"); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 30_000 });
    const frames = (await page.evaluate(() => window.seen)).map((s) => s.images.join("+")).filter((x, i, all) => x && x !== all[i - 1]);
    assert.equal(frames[0], "partial", `a partial image came first: ${frames.join(" ")}`);
    assert.equal(frames.at(-1), "final", frames.join(" "));
    assert.ok(!shownDuringShot, "the final image arrived during the screenshot: it may not show the partial one");
    assert.equal(await page.textContent("#status"), "succeeded");
    await page.screenshot({ path: `${process.env.REPO}/out/www-final-image.png`, fullPage: true });

    // The key is nowhere the browser can see.
    await Promise.all(pending);
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
