// The key stays on the server: read from the process's environment at run time.
import { createRouteHandler } from "gpt-image-edge/route";
import { userFrom } from "../../../user.js";

let handler;
/** @type {import("astro").APIRoute} */
export const ALL = ({ request }) => {
  handler ??= createRouteHandler({
    provider: "apiframe",
    apiKey: process.env.APIFRAME_API_KEY,
    secret: process.env.ROUTE_SECRET,
    baseUrl: process.env.PROVIDER_BASE_URL || undefined,
    basePath: "/api/images",
    authorize: userFrom,
  });
  return handler(request);
};
