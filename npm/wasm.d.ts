// gpt-image-edge/wasm: the WebAssembly module file, for `gpt-image-edge/init`.
// What an import of it gives depends on the bundler (a compiled module in
// wrangler, a URL with Vite's `?url`, ...): pass that to init().
declare const wasm: unknown;
export default wasm;
