// A Worker that runs one scenario per request, inside workerd. It imports the
// package's Workers entry the way a bundler with the "workerd" condition would.
import * as edge from "./node_modules/gpt-image-edge/dist/workerd.mjs";
import { scenarios } from "./scenarios.mjs";
import { r2Uploader } from "./uploads.mjs";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const list = scenarios(edge, env.SANDBOX_URL, { r2: env.REFERENCES, r2Uploader });
    if (url.pathname === "/list") return Response.json(list.map((s) => s.name));
    const scenario = list.find((s) => s.name === url.searchParams.get("name"));
    if (!scenario) return Response.json({ ok: false, error: "no such scenario" }, { status: 404 });
    try {
      await scenario.run();
      return Response.json({ ok: true, userAgent: navigator.userAgent });
    } catch (e) {
      return Response.json({ ok: false, error: String(e && e.stack ? e.stack : e) });
    }
  },
};
