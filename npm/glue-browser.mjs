// The browser's glue: the package's glue plus wasm-bindgen's default export,
// init(), which fetches and compiles the module (browser.mjs awaits it).
export * from "./glue.mjs";
export { default } from "wasm-bindgen-glue";
