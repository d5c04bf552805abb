// Cloudflare Workers (workerd): the module is compiled at deploy time and
// imported; instantiating it synchronously keeps the first request fast.
import { initSync } from "./web/gpt_image_edge.js";
import module from "./web/gpt_image_edge_bg.wasm";

initSync({ module });

export * from "./web/gpt_image_edge.js";
