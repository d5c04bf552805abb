// gpt-image-edge/cloudflare: jobs that outlive the request and the runtime.
// `ImageJobWorkflow` runs one job per Workflow instance (send once, wait,
// keep the images in R2, settle the cost); `ImageLedger` is the Durable Object
// that holds each principal's (and the site's) day of spending and the jobs'
// records. `createRouteHandler({ jobs, budget })` starts the jobs and reads
// them back. Runs in Cloudflare Workers (and wrangler dev, Miniflare) only.
import { DurableObject, WorkflowEntrypoint } from "cloudflare:workers";
import { ImageClient, readBounded } from "gpt-image-edge";

/** Micro-dollars: budgets add integers, so five jobs at $0.04 make exactly $0.20. */
const MICRO = 1_000_000;
const micro = (usd) => Math.round((Number(usd) || 0) * MICRO);
const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10);
/** The most bytes one image fetched from a provider may hold (50 MB). */
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

/**
 * A principal's ledger (or, named "site", the whole site's): the day's spend
 * in micro-dollars, and each job's reservation and record. Each method runs
 * without awaiting anything, so the object's single thread makes it atomic:
 * however many requests race, a day's spend never passes its limit.
 */
export class ImageLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, day TEXT NOT NULL, held INTEGER NOT NULL, settled INTEGER NOT NULL DEFAULT 0, digest TEXT, record TEXT NOT NULL)",
    );
    this.sql.exec("CREATE TABLE IF NOT EXISTS days (day TEXT PRIMARY KEY, micro INTEGER NOT NULL)");
  }

  #row(id) {
    return this.sql.exec("SELECT * FROM jobs WHERE id = ?", id).toArray()[0];
  }

  #spentOn(day) {
    return this.sql.exec("SELECT micro FROM days WHERE day = ?", day).toArray()[0]?.micro ?? 0;
  }

  #add(day, delta) {
    this.sql.exec("INSERT INTO days (day, micro) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET micro = micro + excluded.micro", day, delta);
  }

  #save(id, record) {
    this.sql.exec("UPDATE jobs SET record = ? WHERE id = ?", JSON.stringify(record), id);
  }

  /**
   * Hold `usd` for job `id` on today's spend if it stays within `limitUsd`
   * (none: no limit). `{ created }`; `{ existing }` for the same id and
   * digest (a duplicate: nothing held twice); `{ mismatch }` for the same id
   * with another digest; `{ refused, spentUsd, limitUsd }` over the limit.
   */
  reserve({ id, usd, limitUsd, digest = null, record = {}, now = Date.now() }) {
    const row = this.#row(id);
    if (row) return row.digest === digest ? { existing: true } : { mismatch: true };
    const day = dayOf(now);
    const spent = this.#spentOn(day);
    const want = micro(usd);
    if (limitUsd != null && spent + want > micro(limitUsd)) return { refused: true, spentUsd: spent / MICRO, limitUsd };
    this.#add(day, want);
    this.sql.exec("INSERT INTO jobs (id, day, held, digest, record) VALUES (?, ?, ?, ?, ?)", id, day, want, digest, JSON.stringify(record));
    return { created: true };
  }

  /** Give back a job's reservation and forget it (its Workflow never started). */
  release(id) {
    const row = this.#row(id);
    if (!row || row.settled) return false;
    this.#add(row.day, -row.held);
    this.sql.exec("DELETE FROM jobs WHERE id = ?", id);
    return true;
  }

  /**
   * Mark a job as sent to its provider: true the first time, false if it was
   * marked before (the step that sends it ran again after an interruption:
   * the request may have gone out, so it must not go out twice).
   */
  dispatch(id, handle = null, now = Date.now()) {
    const row = this.#row(id);
    if (!row) return false;
    const record = JSON.parse(row.record);
    if (record.dispatchedAt) return false;
    this.#save(id, { ...record, status: "running", dispatchedAt: now, handle });
    return true;
  }

  /** Merge `patch` into an unsettled job's record. */
  update(id, patch) {
    const row = this.#row(id);
    if (!row || row.settled) return false;
    this.#save(id, { ...JSON.parse(row.record), ...patch });
    return true;
  }

  /** Settle a job to what it cost (0: nothing billed), once; its record gets `patch`. */
  settle(id, costUsd, patch = {}) {
    const row = this.#row(id);
    if (!row || row.settled) return false;
    const cost = micro(costUsd);
    this.#add(row.day, cost - row.held);
    this.sql.exec("UPDATE jobs SET held = ?, settled = 1, record = ? WHERE id = ?", cost, JSON.stringify({ ...JSON.parse(row.record), ...patch }), id);
    return true;
  }

  /** A job's record, or null. */
  job(id) {
    const row = this.#row(id);
    return row ? { ...JSON.parse(row.record), settled: Boolean(row.settled) } : null;
  }

  /**
   * The spend of a day (default today), in US dollars (held reservations and
   * settled costs), its number of jobs, and the ledger's size in bytes.
   */
  spent(now = Date.now()) {
    const day = dayOf(now);
    const jobs = this.sql.exec("SELECT COUNT(*) AS n FROM jobs WHERE day = ?", day).one().n;
    return { day, usd: this.#spentOn(day) / MICRO, jobs, storageBytes: this.sql.databaseSize };
  }
}

/** What a thrown error says, without anything but its code, message and handle. */
function errorOf(e) {
  return { code: e?.code || "INTERNAL", message: String(e?.message || e), handle: e?.handle ?? null, retryable: Boolean(e?.retryable) };
}

/**
 * What a handle shows its principal: all of it but the request (no prompt) and a
 * result. With the provider's job id, it is a handle `ImageClient.waitFor` takes:
 * a job the engine lost can be found again from the job's record.
 */
function shownHandle(h) {
  if (!h) return null;
  const { request, result, ...shown } = plain(h);
  return shown;
}

/** A handle as plain JSON, for a step's result (a Workflow keeps step results). */
const plain = (v) => JSON.parse(JSON.stringify(v));

/** Base64 to bytes: the runtime's decoder where it has one (a 4K PNG is megabytes of text). */
function fromBase64(b64) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(b64);
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** An image's bytes: decoded from base64, or fetched (at most 50 MB). */
async function imageBytes(image) {
  if (image.b64) return { bytes: fromBase64(image.b64), type: image.mimeType };
  const res = await fetch(image.url, { redirect: "follow" });
  if (!res.ok) throw new Error(`fetching the image answered ${res.status}`);
  const { bytes } = await readBounded(res, MAX_IMAGE_BYTES);
  if (!bytes) throw new Error("the image is over 50 MB");
  const type = image.mimeType || res.headers.get("content-type")?.split(";")[0];
  return { bytes, type };
}

/** Put a finished job's images into R2 (the same keys again on a retry); what the record says of them. */
async function storeImages(bucket, job, result) {
  const stored = [];
  for (const [index, image] of (result.images || []).entries()) {
    const { bytes, type } = await imageBytes(image);
    const mimeType = type && type.startsWith("image/") ? type : "image/png";
    await bucket.put(`${job.imagePrefix}${index}`, bytes, { httpMetadata: { contentType: mimeType } });
    stored.push({ index, mimeType, width: image.width ?? null, height: image.height ?? null, bytes: bytes.length });
  }
  return stored;
}

/** A finished job's record and its cost in US dollars. */
function finished(result, stored, estimateUsd) {
  const ok = result.status === "succeeded";
  const usd = result.cost?.usd ?? (ok ? estimateUsd : 0);
  return {
    costUsd: usd,
    record: {
      status: ok ? "succeeded" : result.status === "canceled" ? "canceled" : "failed",
      progress: ok ? 100 : result.progress ?? null,
      images: stored,
      cost: result.cost ?? null,
      error: result.error ?? null,
      handle: null,
      finishedAt: Date.now(),
    },
  };
}

/**
 * One image job, start to end: the Workflow a Worker extends (and binds in
 * wrangler.toml), implementing `clientOptions(env, provider)` to return the
 * `ImageClient` options (the key read from `env` at each step, never stored in
 * a step or the job's parameters). The route creates one instance per job.
 *
 * Steps: `send` (no retries: a request that may have been billed is never
 * sent again; an interrupted one reads `unknown`), then for queue providers
 * `wait` (the client's polling, read-only, retried), `store images` (into
 * R2, the same keys on a retry), `settle` (the exact cost into the ledger).
 */
export class ImageJobWorkflow extends WorkflowEntrypoint {
  /** The `ImageClient` options for `provider` (everything but `provider`), from `env`. */
  clientOptions(env, provider) {
    throw new Error(`ImageJobWorkflow: implement clientOptions(env, provider) in your Workflow class to return the ImageClient options of ${provider} (its apiKey from env)`);
  }

  /** The ledger namespace and the R2 bucket: `env.IMAGE_LEDGER` and `env.IMAGES` unless overridden. */
  jobBindings(env) {
    return { ledger: env.IMAGE_LEDGER, images: env.IMAGES };
  }

  async #client(provider) {
    return new ImageClient({ ...(await this.clientOptions(this.env, provider)), provider });
  }

  async run(event, workflowStep) {
    const job = event.payload;
    // Each step this instance runs, counted into the job's record (`steps`).
    let steps = 0;
    const step = { do: (...args) => (steps++, workflowStep.do(...args)) };
    const { ledger, images } = this.jobBindings(this.env);
    if (!ledger || !images) throw new Error("ImageJobWorkflow: bind the ledger as IMAGE_LEDGER and the R2 bucket as IMAGES, or override jobBindings(env)");
    const book = ledger.get(ledger.idFromName(`principal:${job.principal}`));
    const site = job.site ? ledger.get(ledger.idFromName("site")) : null;
    const settle = (outcome) =>
      step.do("settle", async () => {
        await book.settle(job.id, outcome.costUsd, { ...outcome.record, steps });
        if (site) await site.settle(job.id, outcome.costUsd);
        return outcome.record.status;
      });

    const sent = await step.do("send", { retries: { limit: 0, delay: "1 second", backoff: "constant" }, timeout: "15 minutes" }, async () => {
      // The handle before the provider's id is known: enough to find the job in its records.
      const sending = { provider: job.provider, jobId: null, idempotencyKey: job.idempotencyKey, submittedAt: Date.now() };
      if (!(await book.dispatch(job.id, sending))) {
        return { unknown: { code: "OUTCOME_UNKNOWN", message: "the job was interrupted after its request may have been sent; it is not sent again (it may have been billed)" } };
      }
      try {
        const client = await this.#client(job.provider);
        const handle = await client.submit(job.request, { idempotencyKey: job.idempotencyKey, deadlineMs: job.deadlineMs });
        if (handle.result) return { done: finished(handle.result, await storeImages(images, job, handle.result), job.estimateUsd) };
        await book.update(job.id, { handle: shownHandle(handle) });
        return { handle: plain(handle) };
      } catch (e) {
        const error = errorOf(e);
        // Refused before anything was billed, or sent with no answer (billed, maybe).
        return error.code === "OUTCOME_UNKNOWN" ? { unknown: error } : { failed: error };
      }
    });
    if (sent.unknown) {
      // Held, not settled: the reservation stays until someone looks at the provider's records.
      const shown = sent.unknown.handle ? { handle: shownHandle(sent.unknown.handle) } : {};
      await step.do("mark unknown", async () => book.update(job.id, { status: "unknown", error: { code: sent.unknown.code, message: sent.unknown.message }, ...shown, finishedAt: Date.now() }));
      return "unknown";
    }
    if (sent.failed) {
      return settle({ costUsd: 0, record: { status: "failed", error: { code: sent.failed.code, message: sent.failed.message }, finishedAt: Date.now() } });
    }
    if (sent.done) return settle(sent.done);

    const waited = await step.do("wait", { retries: { limit: 3, delay: "10 seconds", backoff: "exponential" }, timeout: "30 minutes" }, async () => {
      const client = await this.#client(job.provider);
      try {
        return { job: plain(await client.waitFor(sent.handle, { deadlineMs: Math.max(1000, job.createdAt + job.deadlineMs - Date.now()) })) };
      } catch (e) {
        if (e?.retryable && e.code !== "TIMEOUT") throw e; // the step's retries poll again
        return { error: errorOf(e) };
      }
    });
    if (waited.error) {
      // Created at the provider and not seen to end: it may still finish and bill.
      await step.do("mark unknown", async () => book.update(job.id, { status: "unknown", error: { code: waited.error.code, message: waited.error.message }, finishedAt: Date.now() }));
      return "unknown";
    }
    const stored =
      waited.job.status === "succeeded"
        ? await step.do("store images", { retries: { limit: 5, delay: "5 seconds", backoff: "exponential" }, timeout: "10 minutes" }, () => storeImages(images, job, waited.job))
        : [];
    return settle(finished(waited.job, stored, job.estimateUsd));
  }
}
