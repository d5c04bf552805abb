// gpt-image-edge/init: everything in gpt-image-edge/route, for hosts that need
// to hand the WebAssembly module over themselves.
export * from "./route.js";

/** The module (`gpt-image-edge/wasm`) as the host allows: compiled, a URL, a Response or the bytes. */
export type WasmInput = WebAssembly.Module | URL | string | Response | BufferSource;

/** Load the module; call it once before anything else (later calls do nothing). */
export declare function init(module: WasmInput | Promise<WasmInput>): Promise<void>;

/** Load the module synchronously from a compiled module or its bytes. */
export declare function initSync(module: WebAssembly.Module | BufferSource): void;
