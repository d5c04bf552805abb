// A Worker that runs one threat scenario (threat-scenarios.mjs) per request, inside workerd.
import * as edge from "./node_modules/gpt-image-edge/dist/workerd.mjs";
import { threatScenarios } from "./threat-scenarios.mjs";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const list = threatScenarios(edge, env.SANDBOX_URL, env.HOSTILE_URL);
    if (url.pathname === "/list") return Response.json(list.map((s) => s.name));
    const scenario = list.find((s) => s.name === url.searchParams.get("name"));
    if (!scenario) return Response.json({ ok: false, error: "no such scenario" }, { status: 404 });
    try {
      await scenario.run();
      return Response.json({ ok: true });
    } catch (e) {
      return Response.json({ ok: false, error: String(e && e.stack ? e.stack : e) });
    }
  },
};
