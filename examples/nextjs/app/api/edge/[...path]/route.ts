// The edge runtime: the same handler, the same package.
import { createRouteHandler, type RouteHandler } from "gpt-image-edge/route";
import { userFrom } from "../../../user";

export const runtime = "edge";

let handler: RouteHandler | undefined;
function images(request: Request) {
  handler ??= createRouteHandler({
    provider: "apiframe",
    apiKey: process.env.APIFRAME_API_KEY!,
    secret: process.env.ROUTE_SECRET!,
    baseUrl: process.env.PROVIDER_BASE_URL || undefined,
    basePath: "/api/edge",
    authorize: userFrom,
    // Next.js hands route handlers a request.url on localhost: name the site's
    // origin, or the browser's same-origin requests are refused (403).
    allowedOrigins: [process.env.SITE_ORIGIN!],
  });
  return handler(request);
}

export { images as GET, images as POST };
