// gpt-image-edge/init, as a host that no export condition covers would use it:
// here the module's bytes are read from the file `gpt-image-edge/wasm` names.
import { readFile } from "node:fs/promises";
import { init, validateRequest } from "gpt-image-edge/init";

await init(readFile(new URL(import.meta.resolve("gpt-image-edge/wasm"))));

console.log(validateRequest("openai", { prompt: "a red bicycle" }).ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
