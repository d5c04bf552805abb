// Browsers: validation, estimates and the providers' descriptions. This build
// has no networking client and no wire formats: a page never holds a provider
// key nor sees a provider's answer.
import init from "./browser/glue.mjs";

await init({ module_or_path: new URL("./browser/gpt_image_edge_bg.wasm", import.meta.url) });

export { GptImageError, estimateCost, providerInfo, readBounded, validateRequest } from "./browser/glue.mjs";
