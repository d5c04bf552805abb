// gpt-image-edge/init from CommonJS, synchronously, with the module's bytes.
const { readFileSync } = require("node:fs");
const { initSync, validateRequest } = require("gpt-image-edge/init");

initSync(readFileSync(require.resolve("gpt-image-edge/wasm")));

console.log(validateRequest("openai", { prompt: "a red bicycle" }).ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
