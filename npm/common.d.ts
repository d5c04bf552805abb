// Types for gpt-image-edge: what every build exports (the browser build too).
// Every function validates its input at run time as well: these types
// describe what is accepted, the errors say what was not.

import type {
  AspectRatio,
  Background,
  ErrorCode,
  InputFidelity,
  IssueCode,
  JobStatus,
  ModelId,
  Moderation,
  OutputFormat,
  ProviderId,
  ProviderModels,
  ProviderOptions,
  Quality,
  SurfaceSettings,
  RequestField,
  Resolution,
  RouteEventName,
  WebhookBody,
  WebhookHeaders,
  WebhookVerifyOptions,
} from "./generated.js";

// The names taken from the Rust core (generated.d.ts, written when the package is built).
export type {
  AspectRatio,
  Background,
  ErrorCode,
  InputFidelity,
  IssueCode,
  JobStatus,
  ModelId,
  Moderation,
  OutputFormat,
  ProviderId,
  ProviderModels,
  ProviderOptions,
  Quality,
  RequestField,
  Resolution,
  SurfaceSettings,
  RouteEventName,
  WebhookBody,
  WebhookHeaders,
  WebhookVerifyOptions,
};

/** A `size`: `"auto"` or `"WIDTHxHEIGHT"` (models with size rules: see `providerInfo()[id].size`). */
export type Size = "auto" | `${number}x${number}`;

/** The provider-neutral request. Fields a provider lacks are reported as `unsupported`. */
/** An image: an https URL, a `data:` URL, or its bytes. */
export type ImageInput = string | Uint8Array | ArrayBuffer | Blob;

export interface ImageRequest {
  /** The image brief (blank prompts are refused; it is trimmed before sending). */
  prompt: string;
  /**
   * The model (default: the provider's first, `providerInfo()[id].defaultModel`). Each provider
   * sells its own list (`providerInfo()[id].models`, each with its values and tariff); OpenAI
   * also takes a newer `gpt-image-*` id, with a warning, judged by its newest listed model.
   */
  model?: ModelId;
  /**
   * Reference images; non-empty means edit or compose. Each an https URL (public hosts), a
   * `data:image/...;base64,` URL, or bytes: a Uint8Array or ArrayBuffer (a Blob or File in
   * `generate`/`submit`, which read it). Apiframe, GPTImage2.ai and getimg.ai take URLs only:
   * bytes go through the client's `uploadReference`.
   */
  references?: ImageInput[];
  /**
   * OpenAI edits: a PNG with an alpha channel, the size of the first reference, under 4 MB; its
   * fully transparent pixels mark where to edit. Given like a reference.
   */
  mask?: ImageInput;
  /** OpenAI edits: how closely to keep the input images (default "low"). */
  inputFidelity?: InputFidelity;
  /** OpenAI: your end user's id, for its abuse monitoring (the route sends a digest of the principal). */
  user?: string;
  aspectRatio?: AspectRatio;
  /** OpenAI only. */
  size?: Size;
  /** getimg.ai and OpenAI. */
  resolution?: Resolution;
  /** Apiframe and OpenAI; drives price. */
  quality?: Quality;
  outputFormat?: OutputFormat;
  /** OpenAI only, 0..100, with jpeg or webp. */
  outputCompression?: number;
  background?: Background;
  moderation?: Moderation;
  /** Images to make (Apiframe 1..10, GPTImage2.ai 1..4, getimg.ai 1..10 as parallel calls, OpenAI 1..10). */
  count?: number;
  /** GPTImage2.ai style preset slug, such as "studio-product". */
  style?: string;
  /** GPTImage2.ai hint appended to the prompt. */
  lighting?: string;
  /** GPTImage2.ai hint appended to the prompt. */
  camera?: string;
  /** GPTImage2.ai avoid list appended to the prompt. */
  negative?: string;
  /** Apiframe only: where to POST signed progress/completed/failed events. */
  webhookUrl?: string;
}

export interface Issue {
  /** A field name, or `references[2]`; `""` for the request itself. */
  path: string;
  code: IssueCode;
  message: string;
}

export interface ValidationResult {
  ok: boolean;
  errors: Issue[];
  warnings: Issue[];
}

export interface ValidateOptions extends SurfaceSettings {
  /** Report fields the provider lacks as errors instead of warnings. */
  strict?: boolean;
  /** Accept http and loopback/private hosts in URLs (local development only). */
  allowLocalUrls?: boolean;
}

/** Validate a request for a provider. Never throws for a bad request: all problems come back at once. */
export declare function validateRequest(provider: ProviderId, request: unknown, options?: ValidateOptions): ValidationResult;

export interface PriceOptions {
  /** The plan, where a provider's tariff has plans (Apiframe: pay-as-you-go $0.01/credit, the default, or Growth $0.00383/credit). */
  plan?: "payg" | "growth";
  /** Your USD price per credit (needed for dollars where none is published; overrides the plan). */
  creditPriceUsd?: number;
  /** Partial images streamed before each image (each adds output tokens to a token-billed price). */
  partialImages?: 0 | 1 | 2 | 3;
}

export interface Cost {
  provider: ProviderId;
  images: number;
  /** Credits, for credit-priced providers (Apiframe, GPTImage2.ai). */
  credits: number | null;
  /** US dollars, when known. */
  usd: number | null;
  /** True for a provider's tariff or bill; false for an estimate (a token-billed model before the call). */
  exact: boolean;
  /** In words, how it was computed. */
  basis: string;
}

/** Price a request before sending it. Throws `INVALID_REQUEST` (with `issues`) for a bad request. */
export declare function estimateCost(provider: ProviderId, request: ImageRequest, options?: PriceOptions & ValidateOptions): Cost;

/** Token counts as OpenAI's Images API reports them in `usage`. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  input_tokens_details?: { text_tokens?: number; image_tokens?: number; cached_tokens?: number };
}

/** The exact price of a token-billed answer from its `usage` block, by the model's tariff (default: the provider's first). */
export declare function costFromUsage(provider: ProviderId, usage: TokenUsage, options?: { model?: ModelId; images?: number }): Cost;

export interface FieldRange {
  min: number;
  max: number;
}

/** What one model accepts at one provider: enough to build a form. */
export interface ModelDetails {
  /** The request fields this model takes. */
  fields: RequestField[];
  promptMaxLength: number;
  aspectRatios: AspectRatio[];
  resolutions: Resolution[];
  qualities: Quality[];
  outputFormats: OutputFormat[];
  backgrounds: Background[];
  moderations: Moderation[];
  inputFidelities: InputFidelity[];
  count: FieldRange;
  referencesMax: number;
  /** Where `size` is a field: its rules, and the size each aspect ratio stands for at 1K. */
  size?: {
    multipleOf: number;
    maxEdge: number;
    minPixels: number;
    maxPixels: number;
    maxRatio: number;
    ratioSizes1K: { aspectRatio: AspectRatio; width: number; height: number }[];
    outputCompression: FieldRange & { formats: OutputFormat[] };
    /** The only sizes taken ("WxH"), where the API lists them; empty: any within the rules. */
    only: string[];
  };
  /** The fields an edit takes, where an edit takes fewer than a generation. */
  editFields?: RequestField[];
  /** Where `mask` is a field: what a mask must be. */
  mask?: { maxBytes: number; format: "png"; alpha: true };
}

/** One model a provider sells. */
export interface ProviderModel extends ModelDetails {
  id: ModelId;
  /** `"official"`, or where its rules come from when no official document gives them. */
  source: string;
  /** What the provider uses for a field a request leaves out, where its documents say. */
  defaults: Partial<Record<RequestField, string>>;
  /** How it bills. */
  tariff:
    | { kind: "creditsPerQuality"; credits: [string, number][]; defaultQuality: string; plans: { plan: "payg" | "growth"; usdPerCredit: number }[]; defaultPlan: "payg" | "growth" }
    | { kind: "creditsPerImage"; credits: number }
    | { kind: "usdPerResolution"; usd: [string, number][]; defaultResolution: string }
    | { kind: "usdPerQuality"; usd: [string, number][]; defaultQuality: string; source: string }
    | { kind: "tokens"; usdPerMillion: { textIn: number; imageIn: number; cachedImageIn: number; imageOut: number } };
}

/** What a provider is: its capabilities, its models, and (at the top level) its default model's values and limits. */
export interface ProviderDetails extends ModelDetails {
  id: ProviderId;
  name: string;
  flow: "async" | "sync";
  /** The API root requests go to unless `baseUrl` says otherwise. */
  defaultBaseUrl: string;
  /** The header that carries the key. */
  auth: string;
  defaultModel: ModelId;
  models: ProviderModel[];
  /** Newer model ids the provider takes, with a warning, judged as `judgedAs`. */
  modelFamily: { prefix: string; judgedAs: ModelId } | null;
  /** Whether a replayed Idempotency-Key returns the original job. */
  idempotency: boolean;
  typicalDurationMs: number;
  /** Whether polls report a rising progress. */
  reportsProgress: boolean;
  /** Whether it signs its webhooks (see `verifyWebhook`). */
  signsWebhooks: boolean;
  /** How a job's deadline goes with it (`cancelAfter`: Replicate ends the prediction when it passes; `startTimeout`: fal drops a request not started by then), or null. */
  deadline: "cancelAfter" | "startTimeout" | null;
  /** Whether it can stream partial images. */
  partialImages: boolean;
  /** Whether it sends as many partial images as asked (false: as many as it decides). */
  partialImagesCounted: boolean;
  /** Settings it needs besides a key (client options of these names). */
  settings: { name: string; required: boolean; default: string | null; about: string; examples: string[] }[];
  /** Its APIs, where it has several (chosen by the setting `surfaceSetting`), each with its own fields and values. */
  surfaces: (ModelDetails & { id: string; about: string })[];
  surfaceSetting: string;
  /** Whether `baseUrl` is required (no shared API root: your own resource). */
  baseUrlRequired: boolean;
  /** Whether it takes reference images as bytes (else by URL, through `uploadReference`). */
  referenceBytes: boolean;
  /** Most images one call makes. */
  imagesPerCall: number;
  styleExamples?: string[];
}

/** Every provider's allowed values and limits. */
export declare function providerInfo(): Record<ProviderId, ProviderDetails>;

/** Where and how requests go, for any provider (`ProviderOptions` adds each provider's own). */
export interface KeyOptions {
  /**
   * Where requests go. An origin alone (`http://127.0.0.1:PORT` for the sandbox) replaces the
   * provider's origin and keeps its API root path; a URL with a path stands for the API root
   * itself, as openai-node's `baseURL` does (`https://gateway.ai.cloudflare.com/v1/ACCOUNT/GATEWAY/openai`
   * for OpenAI through Cloudflare AI Gateway). https unless loopback; no credentials, query or fragment.
   */
  baseUrl?: string;
  /**
   * Extra headers on every request to the provider (a gateway's `cf-aig-authorization`,
   * tracing). One that would replace the provider's auth or the content type is refused
   * (INVALID_REQUEST, naming it). Their values never appear in errors or logs.
   */
  headers?: Record<string, string> | Headers;
}

export interface HttpRequestSpec {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  /** JSON text, or null (GET, or a multipart edit still to be encoded). */
  body: string | null;
}

export interface SubmitRequestSpec extends HttpRequestSpec {
  /** How many times to send it: getimg.ai makes N images with N calls. */
  calls: number;
  /** The key sent as `Idempotency-Key` (null where the provider takes none). */
  idempotencyKey: string | null;
  /** Fields left out because the provider lacks them. */
  warnings: Issue[];
  /**
   * What was built: a JSON body; an OpenAI edit as JSON (images by URL or data URL, fetched by
   * OpenAI); or an OpenAI edit as multipart (`multipart` says what to attach).
   */
  form: "json" | "json-edit" | "multipart";
  /** Multipart edits: download (or decode, for `data:` URLs) each file and post it under its name with these fields. */
  multipart: { fields: [string, string][]; files: { name: "image[]" | "image" | "mask"; url: string }[] } | null;
}

/** Build the submit request for any HTTP client. Throws `INVALID_REQUEST` for a bad request. */
export declare function buildSubmitRequest<P extends ProviderId>(
  provider: P,
  request: ImageRequest,
  options: KeyOptions & Omit<ProviderOptions[P], "provider"> & { idempotencyKey?: string; strict?: boolean },
): SubmitRequestSpec;

/** Build the request that polls an asynchronous provider's job once. */
export declare function buildPollRequest<P extends ProviderId>(
  provider: P,
  jobId: string,
  options: KeyOptions & Omit<ProviderOptions[P], "provider">,
): HttpRequestSpec;

export interface GeneratedImage {
  url?: string;
  /** Base64 image bytes (OpenAI). */
  b64?: string;
  mimeType?: string;
  width?: number;
  height?: number;
  seed?: string;
  finalPrompt?: string;
  /** When the URL stops working, when the provider says. */
  expiresAt?: string;
}

/** A job, the same whatever the provider. */
export interface Job {
  /** The provider's job id (null for OpenAI, which has none). */
  id: string | null;
  provider: ProviderId;
  status: JobStatus;
  /** The status exactly as the provider sent it (unknown ones are kept, the job counts as running). */
  rawStatus: string;
  progress: number | null;
  images: GeneratedImage[];
  error: { code: string; message: string } | null;
  cost: Cost | null;
  /** Tokens used, where the provider counts them (OpenAI). */
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number };
  /** The provider has purged the image files. */
  expired: boolean;
}

export interface ParseOptions extends PriceOptions {
  /** The model asked for (its tariff prices the answer; default: the provider's first). */
  model?: ModelId;
  /** The response's Retry-After header. */
  retryAfter?: string | number;
  /** The format asked for (OpenAI's answer may not say). */
  outputFormat?: OutputFormat;
}

/** Read any answer a provider sends (body: parsed JSON or raw text). Throws a coded error for error statuses. */
export declare function parseJob(provider: ProviderId, httpStatus: number, body: unknown, options?: ParseOptions): Job;

/**
 * Verify a webhook of a provider that signs them (WebCrypto, constant time). Pass the raw
 * body, not parsed JSON. Resolves to false for a bad signature, and for a delivery whose
 * signed time is more than five minutes from now (Standard Webhooks).
 */
export declare function verifyWebhook(options: WebhookVerifyOptions): Promise<boolean>;

/**
 * Read a Request's or Response's body within bounds: `{ bytes }`; `{ tooLarge: true }` past
 * `maxBytes` (Content-Length judged first, then counted as it streams, cancelled at the limit:
 * never more than the limit plus one chunk held); `{ timeout: true }` when it has not all arrived
 * within `timeoutMs` (optional). What the route reads request bodies with, and the client
 * reference downloads.
 */
export declare function readBounded(
  message: { body: ReadableStream<Uint8Array> | null; headers: { get(name: string): string | null } },
  maxBytes: number,
  timeoutMs?: number,
): Promise<{ bytes: Uint8Array; tooLarge?: undefined; timeout?: undefined } | { tooLarge: true; bytes?: undefined } | { timeout: true; bytes?: undefined }>;

/** Every error this package throws (validation, client, route and setup errors alike). It never contains the API key. */
export declare class GptImageError extends Error {
  name: "GptImageError";
  code: ErrorCode;
  /** The HTTP status, when one was received. */
  status: number | null;
  provider: ProviderId | null;
  /** Whether trying again may help. */
  retryable: boolean;
  retryAfterMs?: number;
  jobId?: string;
  /** Validation issues (`INVALID_REQUEST` before sending). */
  issues?: Issue[];
  /** Provider details, filtered (per-field messages, credit figures). */
  details?: Record<string, unknown>;
  /** Errors that concern a job carry its handle, so it can be resumed or found again. */
  handle?: JobHandle;
}

/** A resumable reference to a job: plain JSON, safe to store and to send to another process. Never holds the key. */
export interface JobHandle {
  v: 1;
  provider: ProviderId;
  /** The provider's job id; null when the submit's outcome is unknown, or for OpenAI. */
  jobId: string | null;
  /** The key sent as Idempotency-Key, reused on every retry of this logical job. */
  idempotencyKey: string;
  /** Milliseconds since the epoch. */
  submittedAt: number;
  /** When waiting stops, in milliseconds since the epoch. */
  deadline: number;
  quality: Quality | null;
  count: number;
  outputFormat: OutputFormat | null;
  /** The price estimated before submitting. */
  estimate?: Cost;
  /** The finished job, for the synchronous providers (getimg.ai, OpenAI). */
  result?: Job;
  /** Kept only while the submit's outcome is unknown, to find the job again. */
  request?: ImageRequest;
}

/** Options of an `ImageClient`, whatever the provider. */
export interface ClientOptionsBase extends PriceOptions, KeyOptions {
  /**
   * A Fetch-compatible function that carries every request of this client: submits, polls and
   * reference downloads (tracing, proxies, test doubles). Default: the global `fetch`.
   */
  fetch?: (input: Request, init?: RequestInit) => Promise<Response>;
  /** Timeout of one HTTP request (default 30000). Synchronous generations use the deadline instead. */
  timeoutMs?: number;
  /** Retries of one request (default 3). Submits are retried only when that cannot bill twice. */
  maxRetries?: number;
  /** Refuse fields the provider lacks instead of leaving them out. */
  strict?: boolean;
  /** How long jobs usually take, to plan polling (learned from finished jobs otherwise). */
  typicalDurationMs?: number;
  /** The most bytes one reference download may hold (1 to 52428800, the default: OpenAI's 50 MB); longer ones are cancelled at the limit. */
  maxReferenceBytes?: number;
  /** Allow a key in a browser, where every visitor can read it. */
  dangerouslyAllowBrowser?: boolean;
  /**
   * Store image bytes where a URL-only provider (Apiframe, GPTImage2.ai, getimg.ai) can fetch
   * them, and return the https URL (a put into R2 or S3, say). Without it, byte references to
   * those providers are refused with INVALID_REQUEST naming this option.
   */
  uploadReference?: (bytes: Uint8Array, mimeType: string) => Promise<string>;
}

/** Options of an `ImageClient`: the common ones, and what the provider named needs (its key, its settings). */
export type ImageClientOptions = { [P in ProviderId]: ClientOptionsBase & ProviderOptions[P] }[ProviderId];

export interface CallOptions {
  /** Stops everything at once: the request in flight and the waiting. */
  signal?: AbortSignal;
  /** Hears every change of status or progress. Exceptions it throws are ignored. */
  onProgress?: (job: Job) => void;
}

export interface SubmitOptions extends CallOptions {
  /** Overall deadline from now (default 600000: 10 minutes), separate from timeoutMs. */
  deadlineMs?: number;
  /** Refuse with BUDGET_EXCEEDED, before any request, when the estimate is higher. */
  maxCostUsd?: number;
  /** The logical job's key (default: a fresh UUID), e.g. from your own request id. */
  idempotencyKey?: string;
  /**
   * OpenAI: stream the generation with this many partial images (0..3) before the final one,
   * each handed to `onPartialImage` as it arrives. A stream cut after the request was sent is
   * OUTCOME_UNKNOWN (the image may be billed), never resent.
   */
  partialImages?: 0 | 1 | 2 | 3;
  /** Hears each partial image (with `partialImages`). Exceptions it throws are ignored. */
  onPartialImage?: (image: PartialImage) => void;
}

/** A partial image of a streamed OpenAI generation. */
export interface PartialImage {
  /** Which partial image, from 0. */
  index: number;
  /** The image, base64. */
  b64: string;
  mimeType: string;
  /** The size the stream reports. */
  size: string | null;
}

export interface WaitOptions extends CallOptions {
  /** A new deadline from now (default: the handle's). */
  deadlineMs?: number;
}
