// gpt-image-edge/init: for hosts no export condition covers. Nothing is loaded
// until init() is given the module (gpt-image-edge/wasm) in whatever form the
// host allows: a compiled WebAssembly.Module, a URL, a Response or the bytes.
import load, { initSync as loadSync } from "./glue.mjs";

export * from "./glue.mjs";

export async function init(module) {
  await load({ module_or_path: await module });
}

export function initSync(module) {
  loadSync({ module });
}
