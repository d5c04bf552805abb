// The smoke flow every host runs: validate and price, generate with
// ImageClient, and a generate through createRouteHandler, all against the
// sandbox. Prints one line per check and the plain summary line; exits 1 on a
// failure. Runs unchanged in Node, Deno and Bun.
import { SANDBOX_KEYS } from "./sandbox-keys.mjs";

export async function smoke(edge, route, baseUrl) {
  let passed = 0;
  let failed = 0;
  const check = async (name, fn) => {
    try {
      await fn();
      passed++;
      console.log(`ok   ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    }
  };
  const assert = (cond, what) => {
    if (!cond) throw new Error(what);
  };

  await check("validateRequest reports every problem", () => {
    const r = edge.validateRequest("apiframe", { prompt: "", count: 11 });
    const codes = r.errors.map((e) => e.code).sort().join(",");
    assert(!r.ok && codes === "empty,out_of_range", codes);
  });
  await check("estimateCost prices before paying", () => {
    assert(edge.estimateCost("apiframe", { prompt: "x", quality: "medium", count: 4 }).usd === 0.36, "price");
  });
  await check("gpt-image-edge and gpt-image-edge/route share one module", () => {
    assert(route.validateRequest === edge.validateRequest, "two instances of the module");
    assert(typeof route.createRouteHandler === "function", "no createRouteHandler");
  });
  await check("ImageClient.generate against the sandbox", async () => {
    const client = new edge.ImageClient({ provider: "apiframe", apiKey: SANDBOX_KEYS.apiframe, baseUrl, typicalDurationMs: 300 });
    const job = await client.generate({ prompt: "A lighthouse at dusk", quality: "low" }, { deadlineMs: 30_000 });
    assert(job.status === "succeeded" && job.images.length === 1 && job.images[0].url, JSON.stringify(job));
    assert(job.cost.usd === 0.04, JSON.stringify(job.cost));
  });
  await check("createRouteHandler: generate, then poll until done", async () => {
    const handler = route.createRouteHandler({
      provider: "apiframe",
      apiKey: SANDBOX_KEYS.apiframe,
      secret: "smoke-test-secret-0123456789abcdef0123",
      baseUrl,
      authorize: (request) => (request.headers.get("x-user") ? "smoke-user" : null),
      typicalDurationMs: 300,
    });
    const post = (headers) =>
      handler(new Request("http://127.0.0.1/api/images/generate", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ prompt: "A lighthouse at dusk", quality: "low" }),
      }));
    const refused = await post({});
    assert(refused.status === 401, `unauthorized: ${refused.status}`);
    const accepted = await post({ "x-user": "u1" });
    const body = await accepted.json();
    assert(accepted.status === 202 && body.token, `${accepted.status} ${JSON.stringify(body)}`);
    let job;
    for (let i = 0; i < 100; i++) {
      const r = await handler(new Request(`http://127.0.0.1/api/images/jobs/${body.token}`, { headers: { "x-user": "u1" } }));
      job = await r.json();
      if (job.status === "succeeded" || job.status === "failed") break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert(job.status === "succeeded" && job.images.length === 1, JSON.stringify(job));
    assert(!JSON.stringify(job).includes(SANDBOX_KEYS.apiframe), "the key leaked");
  });
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}
