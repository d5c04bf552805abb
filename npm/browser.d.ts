// Types for gpt-image-edge in browsers: validation, prices, wire formats and
// webhook checks. This build has no networking client: a page never holds a key.
export * from "./common.js";
