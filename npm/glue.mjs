// The wasm-bindgen glue as the package exports it (bundled by build-pkg.sh,
// where `wasm-bindgen-glue` names the generated module of this build).
import { providerInfo, validateRequest as validateInWasm } from "wasm-bindgen-glue";
import { fastValidate } from "./fast-validate.mjs";

export * from "wasm-bindgen-glue";
export { default } from "wasm-bindgen-glue"; // init() for browser.mjs and init.mjs, which `export *` leaves out
export const { validateRequest } = fastValidate(providerInfo, validateInWasm);
