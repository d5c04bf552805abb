// The server build's glue (bundled by build-pkg.sh): what every build exports
// (glue.mjs), and the client, the route and the wire formats, which only
// servers have (they take keys).
export * from "./glue.mjs";
export { default } from "./glue.mjs";
export { ImageClient, buildPollRequest, buildSubmitRequest, createRouteHandler, parseJob, verifyWebhook } from "wasm-bindgen-glue";
