// The wasm-bindgen glue as the package exports it (bundled by build-pkg.sh,
// where `wasm-bindgen-glue` names the generated module of this build and
// `wasm-bindgen-snippets` its copy of src/). Requests cross into WebAssembly
// as one JSON text, written here; validateRequest answers plain, valid
// requests, and estimateCost prices those of per-image tariffs, without
// entering WebAssembly at all (fast-path.mjs).
import { estimateCostText, providerInfo, validateRequestText } from "wasm-bindgen-glue";
// The browser build bundles this file as its glue; the server build bundles
// glue-server.mjs, which adds the client, the route and the wire formats.
import { imagesAsDataUrls } from "wasm-bindgen-snippets/images.js";
import { jsonText, validationOf } from "wasm-bindgen-snippets/json.js";
import { fastEstimate, fastValidate } from "./fast-path.mjs";

export { initSync, providerInfo } from "wasm-bindgen-glue";
export { GptImageError } from "wasm-bindgen-snippets/errors.js";
export { readLimited as readBounded } from "wasm-bindgen-snippets/runtime.js";
export { default } from "wasm-bindgen-glue"; // init() for browser.mjs and init.mjs, which `export *` leaves out

/** The request as the JSON text the core reads, byte images as data URLs. */
const requestText = (request) => jsonText(imagesAsDataUrls(request));
/** A provider name for the core; anything else is no provider it knows. */
const providerName = (provider) => (typeof provider === "string" ? provider : "");

/** The core's description of the providers, read once for both fast paths (never handed out). */
let description;
const described = () => (description ??= providerInfo());

const validation = fastValidate(described, (provider, request, options) =>
  validationOf(validateRequestText(providerName(provider), requestText(request), options)),
);

export const { validateRequest } = validation;

export const { estimateCost } = fastEstimate(described, validation.certainlyValid, (provider, request, options) =>
  JSON.parse(estimateCostText(providerName(provider), requestText(request), options)),
);
