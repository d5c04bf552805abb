// A Cloudflare Worker whose image jobs outlive the request that started them:
// the route answers 202 at once, a Workflow instance sends the job once, waits,
// keeps the images in R2 and settles the cost in the user's ledger, whatever
// happens to the browser or to this isolate. One route per provider whose key
// is set (`/api/openai/...`, `/api/apiframe/...`); one budget per user across them.
import { providerInfo } from "gpt-image-edge";
import { createRouteHandler } from "gpt-image-edge/route";
import { ImageJobWorkflow } from "gpt-image-edge/cloudflare";
import { userOf } from "./users.js";

// The ledger is a Durable Object class: the Worker exports it.
export { ImageLedger } from "gpt-image-edge/cloudflare";

const PROVIDERS = Object.keys(providerInfo());
/** `OPENAI_API_KEY`, `APIFRAME_API_KEY`, ... */
const keyOf = (env, provider) => env[`${provider.toUpperCase()}_API_KEY`];
const baseUrl = (env) => env.PROVIDER_BASE_URL || undefined;

/** The Workflow: where each job runs. The key is read from env at each step, never stored. */
export class ImageJobs extends ImageJobWorkflow {
  clientOptions(env, provider) {
    return { apiKey: keyOf(env, provider), baseUrl: baseUrl(env) };
  }
}

const handlers = new Map();

/** The route of a provider whose key is set, made once per isolate. */
function handlerFor(env, provider) {
  if (!PROVIDERS.includes(provider) || !keyOf(env, provider)) return null;
  if (!handlers.has(provider)) {
    handlers.set(
      provider,
      createRouteHandler({
        provider,
        apiKey: keyOf(env, provider),
        baseUrl: baseUrl(env),
        secret: env.ROUTE_SECRET,
        basePath: `/api/${provider}`,
        authorize: (request) => userOf(request, env.ROUTE_SECRET),
        maxCostUsd: Number(env.MAX_COST_USD),
        jobs: {
          workflow: env.IMAGE_JOBS,
          ledger: env.IMAGE_LEDGER,
          images: env.IMAGES,
          // A sent job not ended after this long is shown `stalled`, with its handle (default 20 minutes).
          stallMs: env.JOBS_STALL_MS ? Number(env.JOBS_STALL_MS) : undefined,
        },
        budget: { perPrincipalUsdPerDay: Number(env.DAILY_USD_PER_USER), siteUsdPerDay: Number(env.DAILY_USD_SITE) },
      }),
    );
  }
  return handlers.get(provider);
}

export default {
  async fetch(request, env) {
    const provider = /^\/api\/([a-z0-9]+)\//.exec(new URL(request.url).pathname)?.[1];
    const handler = provider && handlerFor(env, provider);
    if (handler) return handler(request);
    return Response.json({ error: { code: "NOT_FOUND", message: "no such route" } }, { status: 404 });
  },
};
