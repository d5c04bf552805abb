// gpt-image-edge/cloudflare: durable jobs on Cloudflare (Workflows, a Durable Object ledger, R2).
import type { ImageClientOptions, ImageRequest, ProviderId } from "./index.js";

/** What the route gives each job's Workflow instance (no key, ever). */
export interface ImageJobParams {
  id: string;
  provider: ProviderId;
  /** The principal's tag (a keyed digest, not the name). */
  principal: string;
  idempotencyKey: string;
  request: ImageRequest;
  estimateUsd: number | null;
  deadlineMs: number;
  imagePrefix: string;
  site: boolean;
  createdAt: number;
}

/**
 * One image job per Workflow instance. Extend it, implement `clientOptions`, bind the class in
 * wrangler.toml (`[[workflows]]`), and pass the binding to `createRouteHandler({ jobs })`.
 */
export declare abstract class ImageJobWorkflow<Env = any> {
  constructor(ctx: unknown, env: Env);
  protected env: Env;
  /** The `ImageClient` options for `provider` (everything but `provider`), with its key read from `env`. */
  abstract clientOptions(env: Env, provider: ProviderId): Omit<ImageClientOptions, "provider"> | Promise<Omit<ImageClientOptions, "provider">>;
  /** The ledger namespace and the R2 bucket (default `env.IMAGE_LEDGER` and `env.IMAGES`). */
  jobBindings(env: Env): { ledger: unknown; images: unknown };
  run(event: { payload: ImageJobParams }, step: unknown): Promise<string>;
}

/** A job's record as the ledger keeps it. */
export interface ImageJobRecord {
  status: "queued" | "running" | "succeeded" | "failed" | "canceled" | "unknown";
  provider: ProviderId;
  createdAt: number;
  dispatchedAt?: number;
  finishedAt?: number;
  settled: boolean;
  [field: string]: unknown;
}

/** The Durable Object that keeps a principal's (and the site's) daily spend and job records. Re-export it from your Worker. */
export declare class ImageLedger {
  constructor(ctx: unknown, env: unknown);
  reserve(options: { id: string; usd: number; limitUsd?: number | null; digest?: string | null; record?: object; now?: number }):
    | { created: true }
    | { existing: true }
    | { mismatch: true }
    | { refused: true; spentUsd: number; limitUsd: number };
  release(id: string): boolean;
  dispatch(id: string, handle?: object | null, now?: number): boolean;
  update(id: string, patch: object): boolean;
  settle(id: string, costUsd: number, patch?: object): boolean;
  job(id: string): ImageJobRecord | null;
  spent(now?: number): { day: string; usd: number; jobs: number; storageBytes: number };
}
