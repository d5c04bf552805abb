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
  });
  return handler(request);
}

export { images as GET, images as POST };
