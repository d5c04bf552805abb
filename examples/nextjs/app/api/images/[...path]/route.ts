// The Node.js runtime. The key stays on the server.
import { createRouteHandler, type RouteHandler } from "gpt-image-edge/route";
import { userFrom } from "../../../user";

let handler: RouteHandler | undefined;
function images(request: Request) {
  handler ??= createRouteHandler({
    provider: "apiframe",
    apiKey: process.env.APIFRAME_API_KEY!,
    secret: process.env.ROUTE_SECRET!,
    baseUrl: process.env.PROVIDER_BASE_URL || undefined,
    basePath: "/api/images",
    authorize: userFrom,
  });
  return handler(request);
}

export { images as GET, images as POST };
