// The AI SDK's generateImage through gpt-image-edge/ai, on the Node runtime:
// the key stays on the server, and a retried batch never bills twice.
import { generateImage } from "ai";
import { createGptImage } from "gpt-image-edge/ai";
import { userFrom } from "../../user";

let apiframe: ReturnType<typeof createGptImage> | undefined;

export async function POST(request: Request) {
  const user = userFrom(request);
  if (!user) return Response.json({ error: "not authorized" }, { status: 401 });
  const { prompt, orderId } = (await request.json()) as { prompt: string; orderId: string };
  // Made on first use, at run time (the build runs this module without the key).
  apiframe ??= createGptImage({
    provider: "apiframe",
    apiKey: process.env.APIFRAME_API_KEY!,
    baseUrl: process.env.PROVIDER_BASE_URL || undefined,
  });
  const { images, providerMetadata } = await generateImage({
    model: apiframe.image("gpt-image-2"),
    prompt,
    providerOptions: { gptImage: { quality: "low", maxCostUsd: 0.1, idempotencyKey: `${user}:${orderId}` } },
  });
  const meta = providerMetadata.gptImage?.images?.[0] as { cost?: { usd?: number } } | undefined;
  return new Response(images[0].uint8Array.slice(), {
    headers: { "content-type": images[0].mediaType, "x-cost-usd": String(meta?.cost?.usd ?? "") },
  });
}
