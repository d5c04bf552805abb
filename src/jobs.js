// The route's side of durable jobs (`jobs: { workflow, ledger, images }`):
// reserve in the principal's (and the site's) ledger, create the Workflow
// instance, read a job's record, serve its images from R2. The Workflow and
// the ledger themselves are in `gpt-image-edge/cloudflare`.

/** The ledger of a principal (by its tag), or of the whole site. */
export function ledgerOf(namespace, name) {
  return namespace.get(namespace.idFromName(name));
}

const SITE = "site";

/** Where a job's image is kept: under its principal's tag, so no other principal reaches it. */
export function imageKey(principalTag, jobId, index) {
  return `gpt-image-edge/${principalTag}/${jobId}/${index}`;
}

/** Whether the Workflow refused a second instance of one id. */
function alreadyExists(e) {
  return /already.?exists/i.test(String(e && e.message));
}

/**
 * Reserve, then create the job's Workflow instance (its id is the job's).
 * Resolves to `{ created }`, `{ existing }` (the same job asked again),
 * `{ mismatch }` (the id was used with another body) or `{ budget, scope, spentUsd, limitUsd }`.
 */
export async function startJob(jobs, job) {
  const mine = ledgerOf(jobs.ledger, `principal:${job.principal}`);
  const asked = { id: job.id, usd: job.estimateUsd, digest: job.digest, now: job.createdAt };
  const held = await mine.reserve({ ...asked, limitUsd: job.principalLimitUsd, record: job.record });
  if (held.mismatch) return { mismatch: true };
  if (held.refused) return { budget: true, scope: "principal", spentUsd: held.spentUsd, limitUsd: held.limitUsd };
  if (held.created && job.siteLimitUsd != null) {
    const site = await ledgerOf(jobs.ledger, SITE).reserve({ ...asked, limitUsd: job.siteLimitUsd, record: {} });
    if (site.refused) {
      await mine.release(job.id);
      return { budget: true, scope: "site", spentUsd: site.spentUsd, limitUsd: site.limitUsd };
    }
  }
  try {
    await jobs.workflow.create({ id: job.id, params: job.params });
  } catch (e) {
    if (!alreadyExists(e)) {
      // Nothing was started: the reservations go back.
      if (held.created) {
        await mine.release(job.id);
        if (job.siteLimitUsd != null) await ledgerOf(jobs.ledger, SITE).release(job.id);
      }
      throw e;
    }
  }
  return held.created ? { created: true } : { existing: true };
}

/**
 * A job's record as its principal's ledger keeps it (null: not this principal's),
 * with what the Workflow engine says when the record has not ended: an
 * instance that errored or was terminated reads `unknown` once it was sent
 * (it may be billed), `failed` before; one dispatched longer ago than
 * `stallMs` is marked `stalled`.
 */
export async function jobRecord(jobs, principalTag, jobId, stallMs) {
  const record = await ledgerOf(jobs.ledger, `principal:${principalTag}`).job(jobId);
  if (!record || ["succeeded", "failed", "unknown"].includes(record.status)) return record;
  let engine = null;
  try {
    engine = (await (await jobs.workflow.get(jobId)).status()).status;
  } catch {}
  if (engine === "errored" || engine === "terminated") {
    record.status = record.dispatchedAt ? "unknown" : "failed";
    record.error = record.dispatchedAt
      ? { code: "OUTCOME_UNKNOWN", message: `the job's workflow ${engine} after the request was sent: it may have been billed, and it was not sent again` }
      : { code: "FAILED", message: `the job's workflow ${engine} before the request was sent: nothing was billed` };
  } else if (record.dispatchedAt && Date.now() - record.dispatchedAt > stallMs) {
    record.stalled = true;
  }
  record.engine = engine;
  return record;
}

/** A stored image as `{ body, contentType, size }`, or null. */
export async function storedImage(jobs, principalTag, jobId, index) {
  const object = await jobs.images.get(imageKey(principalTag, jobId, index));
  if (!object) return null;
  return { body: object.body, contentType: object.httpMetadata?.contentType || "application/octet-stream", size: object.size };
}

/** The principal's spend today: `{ day, usd, jobs, storageBytes }`. */
export function usageOf(jobs, principalTag) {
  return ledgerOf(jobs.ledger, `principal:${principalTag}`).spent();
}
