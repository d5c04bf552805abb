// Next.js edge runtime and Vercel Edge Functions: these hosts refuse to compile
// bytes at run time, so the bundler compiles the module (`?module`).
import { initSync } from "./glue.mjs";
import module from "./gpt_image_edge_bg.wasm?module";

initSync({ module });

export * from "./glue.mjs";
