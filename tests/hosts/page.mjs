// The example form as a person uses it, in headless Chromium: it validates and
// prices as you type (in the page: no request), and optionally generates
// through a route.
import assert from "node:assert/strict";
import { launchChromium } from "../js/serve.mjs";

export async function usePage(url, { generateRoutes = [], react = false } = {}) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
    page.on("response", (r) => r.status() >= 400 && new URL(r.url()).pathname !== "/favicon.ico" && errors.push(`${r.status()} ${r.url()}`));
    const requests = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector("#price")?.textContent === "—");
    if (react) {
      // A server-rendered React page takes typing only once hydrated: before
      // that, React would reset what was typed. Its inputs then carry React's props.
      await page.waitForFunction(() => Object.keys(document.querySelector("#prompt") ?? {}).some((k) => k.startsWith("__reactProps")));
    }

    await page.fill("#prompt", " ");
    await page.fill("#count", "11");
    await page.waitForFunction(() => document.querySelector("#count-message").textContent.includes("between 1 and 10"));
    assert.match(await page.textContent("#prompt-message"), /blank/);
    assert.equal(await page.textContent("#price"), "—");

    await page.fill("#prompt", "A lighthouse on a cliff at dusk");
    await page.fill("#count", "2");
    await page.waitForFunction(() => document.querySelector("#price").textContent === "$0.08");
    await page.selectOption("#quality", "medium");
    await page.waitForFunction(() => document.querySelector("#price").textContent === "$0.18");
    assert.equal(await page.textContent("#count-message"), "");
    assert.ok(!requests.some((p) => p.startsWith("/api/")), `validation made a request: ${requests.join(" ")}`);
    assert.ok(requests.some((p) => p.endsWith(".wasm")), `the page loaded no wasm: ${requests.join(" ")}`);

    for (const route of generateRoutes) {
      await page.selectOption("#route", route);
      const submitted = page.waitForResponse((r) => new URL(r.url()).pathname === `${route}/generate`);
      await page.click("#generate");
      assert.equal((await submitted).status(), 202);
      await page.waitForFunction(
        () => document.querySelectorAll("#images img").length === 2 && [...document.querySelectorAll("#images img")].every((i) => i.complete && i.naturalWidth > 0),
        null,
        { timeout: 30_000 },
      );
      assert.equal(await page.textContent("#status"), "succeeded");
      assert.ok(requests.includes(`${route}/generate`), requests.join(" "));
    }
    assert.deepEqual(errors, []);
    return { requests };
  } finally {
    await browser.close();
  }
}
