// Types for gpt-image-edge. Every function validates its input at run time as
// well: these types describe what is accepted, the errors say what was not.

/** The four providers that sell GPT Image 2. */
export type ProviderId = "apiframe" | "gptimage2ai" | "getimg" | "openai";

export type Quality = "low" | "medium" | "high" | "auto";
export type OutputFormat = "png" | "jpeg" | "webp";
/** "transparent": OpenAI only, with png or webp output (in preview for gpt-image-2). */
export type Background = "auto" | "opaque" | "transparent";
export type Moderation = "auto" | "low";
export type Resolution = "1K" | "2K";
/** Each provider accepts a subset: see `providerInfo()[id].aspectRatios`. */
export type AspectRatio = "1:1" | "3:2" | "2:3" | "4:3" | "3:4" | "4:5" | "16:9" | "9:16" | "21:9";
/** OpenAI only: `"auto"` or `"WIDTHxHEIGHT"`, both edges multiples of 16. */
export type Size = "auto" | `${number}x${number}`;

/** The provider-neutral request. Fields a provider lacks are reported as `unsupported`. */
/** An image: an https URL, a `data:` URL, or its bytes. */
export type ImageInput = string | Uint8Array | ArrayBuffer | Blob;

export interface ImageRequest {
  /** The image brief (blank prompts are refused; it is trimmed before sending). */
  prompt: string;
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
  inputFidelity?: "high" | "low";
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

/** The closed set of validation codes. */
export type IssueCode =
  | "required"
  | "invalid_type"
  | "empty"
  | "too_long"
  | "not_allowed"
  | "out_of_range"
  | "not_integer"
  | "invalid_url"
  | "insecure_url"
  | "too_many"
  | "unsupported"
  | "conflict"
  | "unknown_field";

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

export interface ValidateOptions {
  /** Report fields the provider lacks as errors instead of warnings. */
  strict?: boolean;
  /** Accept http and loopback/private hosts in URLs (local development only). */
  allowLocalUrls?: boolean;
}

/** Validate a request for a provider. Never throws for a bad request: all problems come back at once. */
export declare function validateRequest(provider: ProviderId, request: unknown, options?: ValidateOptions): ValidationResult;

export interface PriceOptions {
  /** Apiframe plan: pay-as-you-go ($0.01/credit, the default) or Growth ($0.00383/credit). */
  plan?: "payg" | "growth";
  /** Your USD price per credit (needed for GPTImage2.ai dollars; overrides the Apiframe plan). */
  creditPriceUsd?: number;
}

export interface Cost {
  provider: ProviderId;
  images: number;
  /** Credits, for credit-priced providers (Apiframe, GPTImage2.ai). */
  credits: number | null;
  /** US dollars, when known. */
  usd: number | null;
  /** True for a provider's tariff or bill; false for OpenAI's estimate before the call. */
  exact: boolean;
  /** In words, how it was computed. */
  basis: string;
}

/** Price a request before sending it. Throws `INVALID_REQUEST` (with `issues`) for a bad request. */
export declare function estimateCost(provider: ProviderId, request: ImageRequest, options?: PriceOptions & ValidateOptions): Cost;

export interface OpenAIUsage {
  input_tokens: number;
  output_tokens: number;
  input_tokens_details?: { text_tokens?: number; image_tokens?: number; cached_tokens?: number };
}

/** The exact price of an OpenAI answer from its `usage` block. */
export declare function openaiCostFromUsage(usage: OpenAIUsage, images?: number): Cost;

export interface FieldRange {
  min: number;
  max: number;
}

/** What a provider accepts: enough to build a form. */
export interface ProviderDetails {
  id: ProviderId;
  name: string;
  flow: "async" | "sync";
  defaultBaseUrl: string;
  /** The neutral fields this provider supports. */
  fields: (keyof ImageRequest)[];
  promptMaxLength: number;
  aspectRatios: AspectRatio[];
  resolutions: Resolution[];
  qualities: Quality[];
  outputFormats: OutputFormat[];
  backgrounds: Background[];
  moderations: Moderation[];
  inputFidelities: ("high" | "low")[];
  count: FieldRange;
  referencesMax: number;
  /** Whether a replayed Idempotency-Key returns the original job. */
  idempotency: boolean;
  typicalDurationMs: number;
  size?: {
    multipleOf: number;
    maxEdge: number;
    minPixels: number;
    maxPixels: number;
    maxRatio: number;
    outputCompression: FieldRange & { formats: OutputFormat[] };
    /** Sizes an edit can take as JSON (other sizes go as multipart). */
    jsonEditSizes: string[];
  };
  /** OpenAI: what a mask must be. */
  mask?: { maxBytes: number; format: "png"; alpha: true };
  styleExamples?: string[];
}

/** Every provider's allowed values and limits. */
export declare function providerInfo(): Record<ProviderId, ProviderDetails>;

export interface KeyOptions {
  apiKey: string;
  /** Replaces only scheme, host and port (`http://127.0.0.1:PORT` for the sandbox); https unless loopback. */
  baseUrl?: string;
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
  multipart: { fields: [string, string][]; files: { name: "image[]" | "mask"; url: string }[] } | null;
}

/** Build the submit request for any HTTP client. Throws `INVALID_REQUEST` for a bad request. */
export declare function buildSubmitRequest(
  provider: ProviderId,
  request: ImageRequest,
  options: KeyOptions & { idempotencyKey?: string; strict?: boolean },
): SubmitRequestSpec;

/** Build the request that polls an asynchronous provider's job once. */
export declare function buildPollRequest(provider: "apiframe" | "gptimage2ai", jobId: string, options: KeyOptions): HttpRequestSpec;

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

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
  /** The response's Retry-After header. */
  retryAfter?: string | number;
  /** The format asked for (OpenAI's answer may not say). */
  outputFormat?: OutputFormat;
}

/** Read any answer a provider sends (body: parsed JSON or raw text). Throws a coded error for error statuses. */
export declare function parseJob(provider: ProviderId, httpStatus: number, body: unknown, options?: ParseOptions): Job;

/** Verify an Apiframe webhook signature (WebCrypto, constant time). Pass the raw body, not parsed JSON. */
export declare function verifyWebhook(options: {
  provider: "apiframe";
  apiKey: string;
  body: string | Uint8Array | ArrayBuffer;
  signature: string | null;
}): Promise<boolean>;

/** Stable error codes: branch on `err.code`. */
export type ErrorCode =
  | "INVALID_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "INSUFFICIENT_CREDITS"
  | "RATE_LIMITED"
  | "NOT_FOUND"
  | "PROVIDER_ERROR"
  | "NETWORK"
  | "TIMEOUT"
  | "DEADLINE_EXCEEDED"
  | "ABORTED"
  | "JOB_FAILED"
  | "OUTCOME_UNKNOWN"
  | "DECODE"
  | "BUDGET_EXCEEDED"
  | "BROWSER_KEY";

/** Every error this package throws. It never contains the API key. */
export interface GptImageError extends Error {
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

export interface ImageClientOptions extends PriceOptions {
  provider: ProviderId;
  /** Keep it on the server: in a browser the constructor throws BROWSER_KEY. */
  apiKey: string;
  /** Replaces scheme, host and port (the sandbox: `http://127.0.0.1:PORT`). */
  baseUrl?: string;
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

/** Errors that concern a job carry its handle, so it can be resumed or found again. */
export interface GptImageError {
  handle?: JobHandle;
}

/** The client: keep it in a server route or an edge worker. */
export declare class ImageClient {
  constructor(options: ImageClientOptions);
  readonly provider: ProviderId;
  /** Submit and wait: the finished job with its images and cost. */
  generate(request: ImageRequest, options?: SubmitOptions): Promise<Job>;
  /** Submit only: a handle to resume from (here, or in another process after JSON). */
  submit(request: ImageRequest, options?: SubmitOptions): Promise<JobHandle>;
  /**
   * Poll once: a handle, its JSON text, or a job id. Only reads: a handle that names no job (its
   * submit got no answer) rejects with OUTCOME_UNKNOWN, having sent nothing; see `recover`.
   */
  getJob(handle: JobHandle | string, options?: CallOptions): Promise<Job>;
  /**
   * Find the job of a handle whose submit got no answer, by sending the same submit with the same
   * key: only where the provider deduplicates (Apiframe) and within its idempotency window less a
   * margin (23 h of Apiframe's 24 h). Elsewhere it rejects with OUTCOME_UNKNOWN, having sent nothing.
   * Resolves to a handle that names the job.
   */
  recover(handle: JobHandle | string, options?: CallOptions): Promise<JobHandle>;
  /** Poll until the job ends; a handle that names no job is first recovered, under `recover`'s rules. */
  waitFor(handle: JobHandle | string, options?: WaitOptions): Promise<Job>;
  /** Validate and price a request as this client would send it. */
  estimateCost(request: ImageRequest): Cost;
  /** `{ provider, baseUrl }`: never the key. */
  toJSON(): { provider: ProviderId; baseUrl: string };
  toString(): string;
  /** Release the client's memory in the WebAssembly module. */
  free(): void;
}
