// Node, Deno, Bun (ES modules) and any host without a listed condition: the
// module's bytes are embedded in the JavaScript, so there is no file for a
// bundler to move and nothing to fetch; compiled synchronously at import.
import { initSync } from "./glue.mjs";
import bytes from "./wasm-bytes.mjs";

initSync({ module: bytes });

export * from "./glue.mjs";
