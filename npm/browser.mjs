// Browsers: validation, prices and the providers' descriptions. This build has
// no networking client and no wire formats: a page never holds a provider key.
import init from "./browser/glue.mjs";

await init({ module_or_path: new URL("./browser/gpt_image_edge_bg.wasm", import.meta.url) });

export { GptImageError, costFromUsage, estimateCost, providerInfo, readBounded, validateRequest } from "./browser/glue.mjs";
