// Cloudflare Workers (workerd): wrangler compiles the module at deploy time and
// hands it over as a WebAssembly.Module; instantiated synchronously at import.
import { initSync } from "./glue.mjs";
import module from "./gpt_image_edge_bg.wasm";

initSync({ module });

export * from "./glue.mjs";
