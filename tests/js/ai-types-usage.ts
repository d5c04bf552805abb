// gpt-image-edge/ai with the `ai` package's own types, under tsc --strict.
import { generateImage, type ImageModel } from "ai";
import { createGptImage, MAX_IMAGES_PER_CALL, type GptImageProviderOptions } from "gpt-image-edge/ai";

export async function make(apiKey: string): Promise<Uint8Array> {
  const apiframe = createGptImage({ provider: "apiframe", apiKey });
  const model: ImageModel = apiframe.image("gpt-image-2");
  const azure = createGptImage({ provider: "azure", apiKey, baseUrl: "https://res.openai.azure.com", deployment: "gpt-image-2", onProgress: () => {} });
  // @ts-expect-error: Azure needs its deployment
  createGptImage({ provider: "azure", apiKey, baseUrl: "https://res.openai.azure.com" });
  console.log(azure.image("gpt-image-2").provider);
  const gptImage: GptImageProviderOptions = { quality: "medium", maxCostUsd: 1, idempotencyKey: "order-1" };
  const { images, warnings, providerMetadata } = await generateImage({
    model,
    prompt: "A lighthouse at dusk",
    n: 4,
    aspectRatio: "3:2",
    providerOptions: { gptImage: { ...gptImage } },
  });
  const perCall: number = MAX_IMAGES_PER_CALL.getimg;
  console.log(warnings.length, providerMetadata.gptImage, perCall);
  // @ts-expect-error: quality is one of the known values
  const wrong: GptImageProviderOptions = { quality: "ultra" };
  console.log(wrong);
  return images[0].uint8Array;
}
