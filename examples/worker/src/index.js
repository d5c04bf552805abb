// A Cloudflare Worker: the route handler holds the provider keys (secret
// bindings); static assets serve the page and the package's browser build.
// Every call is a visitor's (a signed session cookie), rate-limited and capped
// per visitor and per day.
import { providerInfo } from "gpt-image-edge";
import { createRouteHandler } from "gpt-image-edge/route";
import { limit } from "./limits.js";
import { sessionOf, withSession } from "./session.js";

export { DailySpend } from "./limits.js";

const PROVIDERS = Object.keys(providerInfo());
const KEY_BINDINGS = {
  apiframe: "APIFRAME_API_KEY",
  gptimage2ai: "GPTIMAGE2AI_API_KEY",
  getimg: "GETIMG_API_KEY",
  openai: "OPENAI_API_KEY",
};
const handlers = new Map();

// One handler per provider whose key is configured, made once per isolate.
function handlerFor(env, provider) {
  const apiKey = env[KEY_BINDINGS[provider]];
  if (!apiKey) return null;
  if (!handlers.has(provider)) {
    handlers.set(
      provider,
      createRouteHandler({
        provider,
        apiKey,
        secret: env.ROUTE_SECRET,
        baseUrl: env.PROVIDER_BASE_URL || undefined,
        basePath: `/api/${provider}`,
        maxCostUsd: Number(env.MAX_COST_USD || 1),
        allow: { maxCount: 4 },
        authorize: (request) => sessionOf(request, env.ROUTE_SECRET),
        limit: (question) => limit(env, question),
        typicalDurationMs: env.TYPICAL_DURATION_MS ? Number(env.TYPICAL_DURATION_MS) : undefined,
        // The page streams generations; OpenAI sends two previews on the way.
        partialImages: provider === "openai" ? 2 : undefined,
      }),
    );
  }
  return handlers.get(provider);
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/api/providers") {
      // Which providers this deployment serves (never their keys); the page's
      // first call, so it also starts the visitor's session.
      const list = Response.json(PROVIDERS.filter((p) => env[KEY_BINDINGS[p]]), { headers: { "cache-control": "no-store" } });
      return withSession(request, list, env.ROUTE_SECRET);
    }
    const provider = PROVIDERS.find((p) => pathname.startsWith(`/api/${p}/`));
    if (provider) {
      const handler = handlerFor(env, provider);
      return handler ? handler(request) : Response.json({ error: { code: "NOT_FOUND", message: "provider not configured" } }, { status: 404 });
    }
    return env.ASSETS.fetch(request);
  },
};
