// A Worker that runs one route-handler scenario per request, inside workerd.
import * as edge from "./node_modules/gpt-image-edge/dist/workerd.mjs";
import { routeScenarios } from "./route-scenarios.mjs";
import { KEYS } from "./scenarios.mjs";

let images;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    // A route served over workerd's own HTTP, for callers that really hang up.
    if (url.pathname.startsWith("/api/images/")) {
      images ??= edge.createRouteHandler({
        provider: "apiframe",
        apiKey: KEYS.apiframe,
        baseUrl: env.SLOW_SANDBOX_URL,
        secret: "route-test-secret-0123456789abcdef0123456789",
        public: true,
        defaults: { quality: "high" },
        heartbeatMs: 50,
        typicalDurationMs: 200,
      });
      return images(request);
    }
    const list = routeScenarios(edge, env.SANDBOX_URL, env.HOSTILE_URL);
    if (url.pathname === "/list") return Response.json(list.map((s) => s.name));
    const scenario = list.find((s) => s.name === url.searchParams.get("name"));
    if (!scenario) return Response.json({ ok: false, error: "no such scenario" }, { status: 404 });
    try {
      await scenario.run();
      return Response.json({ ok: true });
    } catch (e) {
      return Response.json({ ok: false, error: String(e && e.stack ? e.stack : e) });
    }
  },
};
