// A Worker serving the route as OpenAI's Images API (`openaiCompatible: true`) inside
// workerd, in front of the sandbox's OpenAI; callers present their own bearer token.
import * as edge from "./node_modules/gpt-image-edge/dist/workerd.mjs";
import { KEYS } from "./scenarios.mjs";

let route;

export default {
  async fetch(request, env) {
    route ??= edge.createRouteHandler({
      provider: "openai",
      apiKey: KEYS.openai,
      baseUrl: env.SANDBOX_URL,
      secret: "openai-compat-secret-0123456789abcdef0123",
      openaiCompatible: true,
      partialImages: 2,
      authorize: (r) => (r.headers.get("authorization") === "Bearer user-token-alice" ? "alice" : null),
      onError: () => {},
    });
    return route(request);
  },
};
