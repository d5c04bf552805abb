// gpt-image-edge/ai: GPT Image 2 as a Vercel AI SDK image model.
import type { ImageModelV4 } from "@ai-sdk/provider";
import type { Cost, ImageClientOptions, ImageRequest, Job, ModelId, ProviderId } from "./index.js";

/** The one error class of the package (the same as `gpt-image-edge`'s). */
export { GptImageError } from "./index.js";

/** `providerOptions.gptImage` of `generateImage` (JSON, as the AI SDK requires): every other request field, and the call's limits. */
export interface GptImageProviderOptions
  extends Omit<ImageRequest, "prompt" | "count" | "size" | "aspectRatio" | "references" | "mask"> {
  /** Refuse before any request when a batch's estimate is higher. */
  maxCostUsd?: number;
  /** Overall deadline of a batch, from its start. */
  deadlineMs?: number;
  /** One key for the whole call: each batch derives its own from it, so a retried batch replays instead of billing again. */
  idempotencyKey?: string;
}

/** `providerMetadata.gptImage.images[i]`. */
export interface GptImageMetadata {
  url?: string;
  width?: number;
  height?: number;
  seed?: string;
  finalPrompt?: string;
  /** What the batch that made this image cost. */
  cost: Cost | null;
  jobId: string | null;
}

export interface GptImageProvider {
  /** The model (default: the provider's first, `providerInfo()[id].defaultModel`), sent as the request's `model`. */
  image(modelId?: ModelId): ImageModelV4;
  imageModel(modelId?: ModelId): ImageModelV4;
}

/** Images one call makes at most, per provider (`generateImage` splits `n` into such batches). */
export declare const MAX_IMAGES_PER_CALL: Record<ProviderId, number>;

/** The options of an `ImageClient` (provider, key, settings), and what the AI SDK provider adds. */
export type GptImageOptions = ImageClientOptions & {
  /** Hears every change of status or progress of each batch's job. */
  onProgress?: (job: Job) => void;
};

/** An AI SDK provider over an `ImageClient` with these options. */
export declare function createGptImage(options: GptImageOptions): GptImageProvider;
