// The server build's glue (bundled by build-pkg.sh): what every build exports
// (glue.mjs), and the client, the route and the wire formats (with the price
// of an answer's usage), which only servers have (they take keys and read
// provider traffic).
export * from "./glue.mjs";
export { default } from "./glue.mjs";
export { ImageClient, buildPollRequest, buildSubmitRequest, costFromUsage, createRouteHandler, parseJob, verifyWebhook } from "wasm-bindgen-glue";
