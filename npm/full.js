// Everything, including ImageClient, for runtimes with ES modules and fetch
// (Deno, Bun, browsers that opt in with dangerouslyAllowBrowser).
import init from "./web/gpt_image_edge.js";

await init({ module_or_path: new URL("./web/gpt_image_edge_bg.wasm", import.meta.url) });

export * from "./web/gpt_image_edge.js";
