// Opens a wasm-bindgen test page in headless Chromium (Playwright) and prints
// what the tests write on it; exits 0 only when they report `test result: ok`.
//
// The page is opened through a loopback proxy that asks the runner for each
// file on a connection of its own, closed after it: the runner's server has
// a few threads, each held by an idle keep-alive connection, so a page that
// loads more modules than it has threads (this crate's test pages load seven
// scripts at once) waited forever for the last one, on about half the starts
// here (wasm-pack issue #783 is the same hang under WebDriver).
import http from "node:http";

const upstream = new URL(process.argv[2]);
const proxy = http.createServer((req, res) => {
  const headers = { ...req.headers, host: upstream.host, connection: "close" };
  const up = http.request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent: false }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  up.on("error", (e) => res.writeHead(502).end(String(e)));
  req.pipe(up);
});
await new Promise((ok) => proxy.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${proxy.address().port}/`;
const pw = await import(process.env.PLAYWRIGHT_CORE);
const chromium = pw.chromium ?? pw.default.chromium;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
let text = "";
let status = 1;
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  // What the page asked for, to say what it was waiting for if it never finishes.
  const t0 = Date.now();
  const requests = [];
  const at = (r) => requests.find((x) => x.request === r);
  page.on("request", (r) => requests.push({ request: r, url: r.url(), sent: Date.now() - t0, state: "pending" }));
  page.on("requestfinished", (r) => { const x = at(r); if (x) x.state = `done at ${Date.now() - t0} ms`; });
  page.on("requestfailed", (r) => { const x = at(r); if (x) x.state = `failed: ${r.failure()?.errorText}`; });
  // The tests run as the page loads: wait for the first byte only, then for their summary.
  await page.goto(url, { waitUntil: "commit" });
  const limit = Number(process.env.WASM_BINDGEN_TEST_TIMEOUT ?? 120) * 1000;
  await page
    .waitForFunction(() => /test result: |panicked at/.test(document.getElementById("output")?.innerText ?? ""), null, { timeout: limit, polling: 100 })
    .catch(() => {
      console.error(`no test result within ${limit} ms; the page's requests:`);
      for (const r of requests) console.error(`  ${r.sent} ms ${r.url}: ${r.state}`);
    });
  text = await page.evaluate(() => document.getElementById("output")?.innerText ?? document.body.innerText);
  status = /^test result: ok\./m.test(text) ? 0 : 1;
} finally {
  console.log(text);
  await browser.close();
  proxy.close();
}
process.exit(status);
