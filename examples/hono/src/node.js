// Hono on Node (@hono/node-server). The key stays on the server: the handler is
// made once, from the process's environment.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createRouteHandler } from "gpt-image-edge/route";
import { userFrom } from "./user.js";

const images = createRouteHandler({
  provider: "apiframe",
  apiKey: process.env.APIFRAME_API_KEY,
  secret: process.env.ROUTE_SECRET,
  baseUrl: process.env.PROVIDER_BASE_URL || undefined,
  basePath: "/api/images",
  authorize: userFrom,
});

const app = new Hono();
app.all("/api/images/*", (c) => images(c.req.raw));
app.get("/", (c) => c.text("Hono on Node: POST /api/images/generate"));

serve({ fetch: app.fetch, hostname: process.env.HOST || "127.0.0.1", port: Number(process.env.PORT || 3000) });
