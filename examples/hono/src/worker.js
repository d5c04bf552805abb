// Hono on Cloudflare Workers. The key is a secret binding: the handler is made
// per request from `env` (wrangler secret put APIFRAME_API_KEY, ROUTE_SECRET).
import { Hono } from "hono";
import { createRouteHandler } from "gpt-image-edge/route";
import { userFrom } from "./user.js";

const app = new Hono();
app.all("/api/images/*", (c) => {
  const images = createRouteHandler({
    provider: "apiframe",
    apiKey: c.env.APIFRAME_API_KEY,
    secret: c.env.ROUTE_SECRET,
    baseUrl: c.env.PROVIDER_BASE_URL || undefined,
    basePath: "/api/images",
    authorize: userFrom,
  });
  return images(c.req.raw);
});
app.get("/", (c) => c.text("Hono on Workers: POST /api/images/generate"));

export default app;
