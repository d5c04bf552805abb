// Types for gpt-image-edge on servers: everything the browser build has, and
// the networking client.
import type { CallOptions, Cost, ImageClientOptions, ImageRequest, Job, JobHandle, ProviderId, SubmitOptions, WaitOptions } from "./common.js";

export * from "./common.js";

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
