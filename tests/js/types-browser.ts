// The browser build's types (the `browser` condition): validation, estimates,
// descriptions, the error class; no networking client, no wire formats. `tsc`
// must pass.
import { GptImageError, estimateCost, providerInfo, validateRequest, type ImageRequest } from "gpt-image-edge";
// @ts-expect-error: the browser build has no ImageClient (a page never holds a key)
import { ImageClient } from "gpt-image-edge";
import { costFromUsage } from "gpt-image-edge"; // its type only: the value is a server export

const request: ImageRequest = { prompt: "a lighthouse", model: "gpt-image-2", quality: "low" };
const ok: boolean = validateRequest("openai", request).ok;
const usd: number | null = estimateCost("openai", request).usd;
const ids: string[] = Object.keys(providerInfo());
try {
  estimateCost("openai", { prompt: "" });
} catch (e) {
  const coded: string | undefined = e instanceof GptImageError ? e.code : undefined;
}
// @ts-expect-error: costFromUsage is no value here (only a server sees an answer's usage)
costFromUsage("openai", { input_tokens: 1, output_tokens: 2 });
