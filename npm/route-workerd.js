// Cloudflare Workers with createRouteHandler: the client build plus the route.
import { initSync } from "./route/gpt_image_edge.js";
import module from "./route/gpt_image_edge_bg.wasm";

initSync({ module });

export * from "./route/gpt_image_edge.js";
