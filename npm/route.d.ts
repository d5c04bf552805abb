// gpt-image-edge/route: everything in gpt-image-edge, plus createRouteHandler.
export * from "./index.js";
import type { ImageClientOptions, ImageRequest, ProviderId, Quality, OutputFormat, AspectRatio } from "./index.js";

/** What browsers may ask for through the route. */
export interface RouteAllow {
  /** Request fields a browser may set (the prompt always). Default: all but `references`, `mask`, `webhookUrl` and `user`. */
  fields?: (Exclude<keyof ImageRequest, "webhookUrl">)[];
  /** Whether browsers may send reference image URLs (default false). */
  references?: boolean;
  /** Most images per request, 1..10 (default 4). */
  maxCount?: number;
  /**
   * Allowed values, narrower than the provider's, for fields with a closed set of values
   * (quality, outputFormat, aspectRatio, resolution, background, moderation). Checked on the
   * request as it will be sent: a field left out takes `defaults`, else the provider's
   * documented default, and is refused (403) when that is not allowed.
   */
  values?: {
    quality?: Quality[];
    outputFormat?: OutputFormat[];
    aspectRatio?: AspectRatio[];
    [field: string]: string[] | undefined;
  };
  /** Longest prompt, in characters. */
  maxPromptLength?: number;
}

/** What `limit` is asked before a request is sent. */
export interface RouteLimitQuestion {
  /** The principal `authorize` named. */
  principal: string;
  /** The price of the request as it will be sent. */
  estimate: import("./index.js").Cost;
  /** The request as it will be sent (the caller's fields plus `defaults`). */
  request: ImageRequest;
}

/** `true` to go on; `{ retryAfterMs }` for 429 with Retry-After; `{ reason: "budget" }` for 402. Anything else, or a throw, is 500 and nothing is sent. */
export type RouteLimitDecision = true | { retryAfterMs: number } | { reason: "budget" };

/** A verified webhook: the job it is about and the provider's event exactly as sent. */
export interface RouteWebhookEvent {
  provider: ProviderId;
  jobId: string;
  event: Record<string, unknown>;
}

/** The route's own options; the client's (`ImageClientOptions`: provider, key, settings) go beside them. */
interface RouteOwnOptions {
  /** At least 32 characters of random text: seals the status tokens and keys the derived idempotency keys. */
  secret: string;
  /** Where the routes live (default "/api/images"): POST {basePath}/generate, GET {basePath}/jobs/{token}, POST {basePath}/webhook. */
  basePath?: string;
  /** What browsers may ask for. */
  allow?: RouteAllow;
  /** Fields filled in when the caller leaves them out (your settings, not the caller's). */
  defaults?: Partial<Omit<ImageRequest, "prompt">>;
  /** Refuse (402) requests whose estimate is above this many US dollars. */
  maxCostUsd?: number;
  /** Your rate limits and spending caps, asked before every submit. */
  limit?: (question: RouteLimitQuestion) => RouteLimitDecision | Promise<RouteLimitDecision>;
  /** Cross-origin callers allowed besides the route's own origin ("*" for any), served with CORS headers. */
  allowedOrigins?: string[];
  /**
   * The site's own origin(s) as browsers see them (`https://app.example.com`). Set it when the
   * server cannot know it: a browser that sends no `Sec-Fetch-Site` is then served only when its
   * `Origin` is one of these. Without it, such an `Origin` must name the `Host` the request was
   * sent to (the scheme is not compared, as proxies that end TLS change it).
   */
  publicOrigin?: string | string[];
  /** Largest request body in bytes (default 65536); larger gets 413. */
  maxBodyBytes?: number;
  /** How long a request body may take to arrive, in ms (default 10000); later gets 408. */
  bodyTimeoutMs?: number;
  /**
   * Told of every failure, server-side: a provider refusing the key, an outage, a failed job
   * (with the provider's own words, the key hidden in every form), a hook that threw. The caller
   * sees only the coded message. Default: one line on `console.error`.
   */
  onError?: (report: RouteReport) => void | Promise<void>;
  /**
   * A store shared by every instance of the route (a Durable Object, Redis, KV), so that a
   * webhook delivered twice, to any instance, is handed to `onWebhook` once. `claim` resolves to
   * true the first time it sees a key (and keeps it `ttlMs`), false after; `release` forgets a key
   * whose handling failed, so the provider's retry is handed on. Each instance also remembers
   * deliveries itself.
   */
  replayStore?: { claim(key: string, ttlMs: number): boolean | Promise<boolean>; release?(key: string): void | Promise<void> };
  /** Lifetime of a status token in ms (default 24 hours). */
  tokenTtlMs?: number;
  /** Event streams (`Accept: text/event-stream` on generate): a comment line at least this often, in ms (default 15000). */
  heartbeatMs?: number;
  /**
   * OpenAI only: partial images sent as `partial_image` events before the final image, 0..3
   * (default 0), on event streams. Each one adds output tokens; the `completed` job's cost is exact.
   */
  partialImages?: 0 | 1 | 2 | 3;
  /** Verified webhook events (Apiframe, Replicate, fal). Throw to make the sender retry. */
  onWebhook?: (event: RouteWebhookEvent) => void | Promise<void>;
  /** Replicate's webhook signing secret (`whsec_…`), to verify its deliveries to `POST {basePath}/webhook`. */
  webhookSecret?: string;
  /**
   * Also serve OpenAI's Images API under `basePath`: `POST {basePath}/v1/images/generations`,
   * `POST {basePath}/v1/images/edits` and `GET {basePath}/v1/models`, so any OpenAI client
   * (its `baseURL` set to `{origin}{basePath}/v1`) reaches the provider this route fronts, with
   * the same authorization, allow-list, budget and idempotency. Default false.
   */
  openaiCompatible?: boolean;
  /** fal: the JWKS its webhooks are checked against (default: fal's own, fetched and kept an hour). */
  jwks?: { keys: Record<string, unknown>[] };
  /**
   * Cloudflare: run every job durably (see `gpt-image-edge/cloudflare`). `POST {basePath}/generate`
   * answers `202 { token, estimate }` at once for every provider; `GET {basePath}/jobs/{token}` and
   * the event stream read the job wherever it runs; its images are served from R2 at
   * `GET {basePath}/images/{job}/{index}`, to its principal only. Not with `partialImages`.
   */
  jobs?: RouteJobs;
  /** Daily budgets in US dollars, kept by `jobs.ledger`: over them, 402 `BUDGET_EXCEEDED` with `reason: "budget"`. */
  budget?: { perPrincipalUsdPerDay?: number; siteUsdPerDay?: number };
}

/** The bindings of durable jobs. */
export interface RouteJobs {
  /** The Workflow binding of your class extending `ImageJobWorkflow`. */
  workflow: { create(options: { id: string; params: unknown }): Promise<unknown>; get(id: string): Promise<{ status(): Promise<{ status: string }> }> };
  /** The Durable Object namespace of `ImageLedger`. */
  ledger: { idFromName(name: string): unknown; get(id: any): any };
  /** The R2 bucket the images are kept in. */
  images: { get(key: string): Promise<unknown>; put(key: string, value: Uint8Array, options?: unknown): Promise<unknown> };
  /** After this long (default 1200000: 20 minutes) a sent job that has not ended is shown `stalled: true` with its handle (with the provider's `jobId`, `ImageClient.waitFor` takes it). */
  stallMs?: number;
}

/** What `onError` is told. */
export interface RouteReport {
  /** Where: "generate", "job", "stream", "webhook", "images-api" (the OpenAI-compatible paths), "authorize", "limit" or "route". */
  route: string;
  /** The principal `authorize` named, when known. */
  principal: string | null;
  /** The status and code the caller got. */
  status: number;
  code: string;
  /** What went wrong, as the server may know it: the client error's fields, or the provider's reason for a failed job. */
  error: { code: string; message: string; status?: number | null; provider?: string | null; [field: string]: unknown };
}

/** A route for your users: `authorize` names who is calling. */
export interface AuthorizedOptions extends RouteOwnOptions {
  /**
   * Your authentication: return the caller's principal (a non-empty string naming the user or
   * tenant) to allow the call; anything else (false, null, "", a throw) is 401. Jobs, tokens and
   * idempotency keys belong to the principal: another principal's token is 404. A string that is
   * not well-formed text (a lone UTF-16 surrogate) is refused with 500 and reported.
   */
  authorize: (request: Request) => string | null | undefined | false | Promise<string | null | undefined | false>;
  public?: false;
}

/** A demo open to everyone: one anonymous principal, callers' Idempotency-Key headers ignored. */
export interface PublicOptions extends RouteOwnOptions {
  public: true;
  authorize?: undefined;
}

/** A route for your users (the provider's key stays on the server: never in a response, a token or an error). */
export type AuthorizedRouteOptions = ImageClientOptions & AuthorizedOptions;
/** A public demo route. */
export type PublicRouteOptions = ImageClientOptions & PublicOptions;
export type RouteHandlerOptions = AuthorizedRouteOptions | PublicRouteOptions;

/** A Fetch API handler: Cloudflare Workers `fetch`, Next.js route handlers, Node 20 servers. */
export type RouteHandler = (request: Request) => Promise<Response>;

/** The key-holding route. Create it once, at module scope. */
export declare function createRouteHandler(options: RouteHandlerOptions): RouteHandler;

/** `POST {basePath}/generate` answers. */
export interface RouteAccepted {
  /** Opaque: poll `GET {basePath}/jobs/{token}`. Null for synchronous providers, which answer with `job`. */
  token: string | null;
  estimate: { credits: number | null; usd: number | null; exact: boolean; images: number };
  job?: RouteJob;
}

/** `GET {basePath}/jobs/{token}` answers. */
export interface RouteJob {
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  progress: number | null;
  images: { url?: string; b64?: string; mimeType: string | null; width: number | null; height: number | null; expiresAt?: string }[];
  /** The package's own code and message: the provider's words go to `onError`, never to the caller. */
  error: { code: "JOB_FAILED" | "JOB_CANCELLED"; message: string } | null;
  cost: { credits: number | null; usd: number | null; exact: boolean } | null;
}

/** Every refusal: `{ error: { code, message, issues? } }`. */
export interface RouteRefusal {
  error: {
    code: "INVALID_REQUEST" | "UNAUTHORIZED" | "BUDGET_EXCEEDED" | "FORBIDDEN" | "NOT_FOUND" | "METHOD_NOT_ALLOWED" | "TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "IDEMPOTENCY_MISMATCH" | "RATE_LIMITED" | "PROVIDER_ERROR" | "OUTCOME_UNKNOWN" | "TIMEOUT" | "JOB_FAILED" | "INTERNAL";
    message: string;
    issues?: import("./index.js").Issue[];
  };
}

/**
 * The events of `POST {basePath}/generate` sent with `Accept: text/event-stream` (status 200,
 * `Content-Type: text/event-stream`; refusals before acceptance keep their status and JSON body).
 * `accepted` comes first (with the token on asynchronous providers); `completed` or `error` last,
 * and the stream closes. Comment lines (heartbeats) come at least every `heartbeatMs`.
 */
export type RouteEvent =
  | { event: "accepted"; data: { token: string | null; estimate: RouteAccepted["estimate"] } }
  | { event: "progress"; data: { status: RouteJob["status"]; progress: number | null } }
  | { event: "partial_image"; data: { index: number; b64: string; mimeType: string | null; size: string | null } }
  | { event: "completed"; data: RouteJob }
  | { event: "error"; data: RouteRefusal & { status: number; token?: string; retryAfterSecs?: number } };
