// createRouteHandler for runtimes with ES modules and fetch (Deno, Bun).
import init from "./route/gpt_image_edge.js";

await init({ module_or_path: new URL("./route/gpt_image_edge_bg.wasm", import.meta.url) });

export * from "./route/gpt_image_edge.js";
