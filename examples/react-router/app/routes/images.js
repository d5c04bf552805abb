// A resource route (no component): its loader answers GET, its action POST.
// The key stays on the server.
import { createRouteHandler } from "gpt-image-edge/route";
import { userFrom } from "../user.js";

let handler;
function images(request) {
  handler ??= createRouteHandler({
    provider: "apiframe",
    apiKey: process.env.APIFRAME_API_KEY,
    secret: process.env.ROUTE_SECRET,
    baseUrl: process.env.PROVIDER_BASE_URL || undefined,
    basePath: "/api/images",
    authorize: userFrom,
  });
  return handler(request);
}

export const loader = ({ request }) => images(request);
export const action = ({ request }) => images(request);
