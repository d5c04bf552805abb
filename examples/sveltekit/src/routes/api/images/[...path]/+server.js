// The key stays on the server. $env/dynamic/private is read at run time: the
// process's environment with adapter-node, the Worker's bindings with adapter-cloudflare.
import { env } from "$env/dynamic/private";
import { createRouteHandler } from "gpt-image-edge/route";
import { userFrom } from "$lib/user.js";

let handler;
/** @type {import("./$types").RequestHandler} */
export const GET = ({ request }) => {
  handler ??= createRouteHandler({
    provider: "apiframe",
    apiKey: env.APIFRAME_API_KEY,
    secret: env.ROUTE_SECRET,
    baseUrl: env.PROVIDER_BASE_URL || undefined,
    basePath: "/api/images",
    authorize: userFrom,
  });
  return handler(request);
};
export const POST = GET;
