// Browsers: validation, prices, wire formats and webhook checks. This build has
// no networking client: a page never holds a provider key.
import init from "./browser/glue.mjs";

await init({ module_or_path: new URL("./browser/gpt_image_edge_bg.wasm", import.meta.url) });

export * from "./browser/glue.mjs";
