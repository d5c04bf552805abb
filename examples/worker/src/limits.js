// The route's `limit` hook for the example: Cloudflare's Rate Limiting binding
// per principal, and a Durable Object per principal (and one for the whole
// site) that keeps the day's spend. Both are optional bindings.
import { DurableObject } from "cloudflare:workers";

/** `limit({ principal, estimate })`: true, { retryAfterMs } or { reason: "budget" }. */
export async function limit(env, { principal, estimate }) {
  if (env.IMAGE_RATE_LIMIT) {
    const { success } = await env.IMAGE_RATE_LIMIT.limit({ key: principal });
    if (!success) return { retryAfterMs: 60_000 };
  }
  if (env.DAILY_SPEND) {
    const usd = estimate.usd ?? Number(env.MAX_COST_USD || 1);
    for (const [who, cap] of [[principal, env.DAILY_USD_PER_VISITOR], ["*", env.DAILY_USD_SITE]]) {
      const spend = env.DAILY_SPEND.get(env.DAILY_SPEND.idFromName(who));
      if (!(await spend.charge(usd, Number(cap || 5)))) return { reason: "budget" };
    }
  }
  return true;
}

/** One principal's spend today, in US dollars (estimates, counted before submitting). */
export class DailySpend extends DurableObject {
  /** Add `usd` if today's total stays within `capUsd`; whether it did. */
  async charge(usd, capUsd) {
    const day = new Date().toISOString().slice(0, 10);
    const spent = (await this.ctx.storage.get(day)) ?? 0;
    if (spent + usd > capUsd + 1e-9) return false;
    await this.ctx.storage.put(day, spent + usd);
    return true;
  }
}
