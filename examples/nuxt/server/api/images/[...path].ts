// The key stays on the server: process.env at run time (on Workers, the
// bindings, with nodejs_compat, which the cloudflare_module preset turns on).
// defineEventHandler, toWebRequest and userFrom (server/utils/user.ts) are auto-imported.
import { createRouteHandler, type RouteHandler } from "gpt-image-edge/route";

let handler: RouteHandler | undefined;
export default defineEventHandler((event) => {
  handler ??= createRouteHandler({
    provider: "apiframe",
    apiKey: process.env.APIFRAME_API_KEY!,
    secret: process.env.ROUTE_SECRET!,
    baseUrl: process.env.PROVIDER_BASE_URL || undefined,
    basePath: "/api/images",
    authorize: userFrom,
  });
  return handler(toWebRequest(event));
});
