// A Cloudflare Worker: the route handler holds the provider keys (secret
// bindings); static assets serve the page and the package's browser build.
// Every call is a visitor's (a signed session cookie), rate-limited and capped
// per visitor and per day.
import { providerInfo } from "gpt-image-edge";
import { createRouteHandler } from "gpt-image-edge/route";
import { limit } from "./limits.js";
import { sessionOf, withSession } from "./session.js";

export { DailySpend } from "./limits.js";

const INFO = providerInfo();
const PROVIDERS = Object.keys(INFO);
/** A provider's binding for `name`: `OPENAI_API_KEY`, `AZURE_DEPLOYMENT`, `AZURE_API_VERSION`, ... */
const binding = (provider, name) => `${provider.toUpperCase()}_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
const handlers = new Map();

/**
 * What a provider needs besides its key, from the bindings: its base URL
 * (`AZURE_BASE_URL`; `OPENAI_BASE_URL` for Cloudflare AI Gateway; else
 * `PROVIDER_BASE_URL`, which `make dev` points at the sandbox), its settings
 * (`AZURE_DEPLOYMENT`, `AZURE_API_VERSION`), and for AI Gateway its token.
 */
function providerOptions(env, provider) {
  const options = { baseUrl: env[binding(provider, "baseUrl")] || env.PROVIDER_BASE_URL || undefined };
  for (const s of INFO[provider].settings) {
    const value = env[binding(provider, s.name)];
    if (value) options[s.name] = value;
  }
  // OpenAI through Cloudflare AI Gateway: OPENAI_BASE_URL =
  // "https://gateway.ai.cloudflare.com/v1/ACCOUNT_ID/GATEWAY_ID/openai", and the gateway's token.
  if (env.CF_AIG_TOKEN && options.baseUrl?.startsWith("https://gateway.ai.cloudflare.com/")) {
    options.headers = { "cf-aig-authorization": `Bearer ${env.CF_AIG_TOKEN}` };
  }
  return options;
}

// One handler per provider whose key is configured, made once per isolate.
function handlerFor(env, provider) {
  const apiKey = env[binding(provider, "apiKey")];
  if (!apiKey) return null;
  if (!handlers.has(provider)) {
    handlers.set(
      provider,
      createRouteHandler({
        provider,
        apiKey,
        ...providerOptions(env, provider),
        secret: env.ROUTE_SECRET,
        // Replicate signs its webhooks with this account secret (whsec_…).
        webhookSecret: env[binding(provider, "webhookSecret")] || undefined,
        basePath: `/api/${provider}`,
        maxCostUsd: Number(env.MAX_COST_USD || 1),
        allow: { maxCount: 4 },
        authorize: (request) => sessionOf(request, env.ROUTE_SECRET),
        limit: (question) => limit(env, question),
        typicalDurationMs: env.TYPICAL_DURATION_MS ? Number(env.TYPICAL_DURATION_MS) : undefined,
        // The page streams generations; providers that can send previews send two.
        partialImages: INFO[provider].partialImages ? 2 : undefined,
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
      const list = Response.json(PROVIDERS.filter((p) => env[binding(p, "apiKey")]), { headers: { "cache-control": "no-store" } });
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
