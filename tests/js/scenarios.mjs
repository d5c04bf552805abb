// End-to-end scenarios against the sandbox, for every provider. The same file
// runs in Node and inside workerd: it uses only fetch, timers and the package.

export const KEYS = { apiframe: "afk_sandbox", gptimage2ai: "g2_sandbox", getimg: "gi_sandbox", openai: "sk-sandbox" };
export const PROVIDERS = Object.keys(KEYS);
const ASYNC = new Set(["apiframe", "gptimage2ai"]);
const REQUESTS = {
  apiframe: { prompt: "A lighthouse at dusk", quality: "low", aspectRatio: "3:2" },
  gptimage2ai: { prompt: "A lighthouse at dusk", aspectRatio: "16:9", style: "cinematic" },
  getimg: { prompt: "A lighthouse at dusk", aspectRatio: "4:5" },
  openai: { prompt: "A lighthouse at dusk", quality: "low", size: "1024x1536", outputFormat: "png" },
};
const SUBMIT_PATH = {
  apiframe: "POST /v2/images/generate",
  gptimage2ai: "POST /api/generate",
  getimg: "POST /v2/images/generations",
  openai: "POST /v1/images/generations",
};

function check(cond, message) {
  if (!cond) throw new Error(message);
}

function code(e) {
  return e && typeof e === "object" ? e.code : undefined;
}

async function rejects(promise, expected) {
  try {
    await promise;
  } catch (e) {
    check(e instanceof Error && e.name === "GptImageError", `not a GptImageError: ${e}`);
    check(e.code === expected, `expected ${expected}, got ${e.code}: ${e.message}`);
    return e;
  }
  throw new Error(`expected ${expected}, but it succeeded`);
}

/** Sandbox control over HTTP. */
export function sandboxControl(url) {
  const call = async (method, path, body) => {
    const r = await fetch(url + path, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`sandbox ${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    fault: (provider, endpoint, fault, extra = {}) => call("POST", "/sandbox/faults", { provider, endpoint, fault, ...extra }),
    clearFaults: () => call("DELETE", "/sandbox/faults"),
    ledger: (key) => call("GET", `/sandbox/ledger?key=${encodeURIComponent(key)}`),
    stats: () => call("GET", "/sandbox/stats"),
  };
}

/** Check that an image the job names is a real image of the right kind. */
async function checkImage(img) {
  let bytes;
  if (img.b64) {
    bytes = Uint8Array.from(atob(img.b64), (c) => c.charCodeAt(0));
  } else {
    const r = await fetch(img.url);
    check(r.ok, `image ${img.url}: ${r.status}`);
    check((r.headers.get("content-type") ?? "").startsWith("image/"), `image content-type ${r.headers.get("content-type")}`);
    bytes = new Uint8Array(await r.arrayBuffer());
  }
  const png = bytes[0] === 0x89 && bytes[1] === 0x50;
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const webp = bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50;
  check(png || jpeg || webp, "the image bytes are not PNG, JPEG or WebP");
  return bytes.length;
}

/**
 * The scenarios: [{ name, run }]. `edge` is the package module, `sandbox` the
 * sandbox's base URL.
 */
export function scenarios(edge, sandboxUrl) {
  const sb = sandboxControl(sandboxUrl);
  const list = [];
  const add = (name, run) => list.push({ name, run: async () => {
    try {
      await run();
    } finally {
      await sb.clearFaults();
    }
  } });
  const client = (p, extra = {}) =>
    new edge.ImageClient({ provider: p, apiKey: KEYS[p], baseUrl: sandboxUrl, typicalDurationMs: 300, timeoutMs: 5000, ...extra });
  const submits = async (p) => (await sb.stats()).requests[SUBMIT_PATH[p]] ?? 0;

  for (const p of PROVIDERS) {
    const req = REQUESTS[p];
    const isAsync = ASYNC.has(p);

    add(`${p}: generate returns images, cost and progress`, async () => {
      const seen = [];
      const job = await client(p).generate(req, { onProgress: (j) => seen.push(j.status) });
      check(job.status === "succeeded", `status ${job.status}`);
      check(job.images.length === 1, `${job.images.length} images`);
      await checkImage(job.images[0]);
      check(job.cost !== null, "no cost");
      const expected = { apiframe: [4, 0.04], gptimage2ai: [10, null], getimg: [null, 0.06] }[p];
      if (expected) check(job.cost.credits === expected[0] && job.cost.usd === expected[1], JSON.stringify(job.cost));
      if (p === "openai") check(job.cost.exact && job.cost.usd > 0 && job.images[0].width === 1024 && job.images[0].height === 1536, JSON.stringify(job));
      check(seen.at(-1) === "succeeded", `progress ended with ${seen.at(-1)}`);
    });

    add(`${p}: submit, then resume from JSON in a fresh client`, async () => {
      const handle = await client(p).submit(req);
      const text = JSON.stringify(handle);
      check(!text.includes(KEYS[p]), "the handle holds the key");
      check(handle.provider === p && typeof handle.idempotencyKey === "string", text);
      const job = await client(p).waitFor(JSON.parse(text));
      check(job.status === "succeeded" && job.images.length === 1, JSON.stringify(job));
      const again = await client(p).getJob(text);
      check(again.status === "succeeded", "getJob from the handle's text");
    });

    add(`${p}: abort stops the call with a resumable handle`, async () => {
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 60);
      const e = await rejects(client(p).generate(req, { signal: ctl.signal }), "ABORTED");
      check(e.handle && e.handle.provider === p, "no handle on ABORTED");
      if (isAsync) {
        check(typeof e.handle.jobId === "string", "the job id is kept");
        const job = await client(p).waitFor(e.handle);
        check(job.status === "succeeded", "resumed after abort");
      } else {
        check(e.handle.request && e.handle.idempotencyKey, "an aborted synchronous call keeps its request and key");
      }
    });

    add(`${p}: the deadline ends waiting; the handle resumes`, async () => {
      const e = await rejects(client(p).generate(req, { deadlineMs: 100 }), "DEADLINE_EXCEEDED");
      check(e.handle, "no handle on DEADLINE_EXCEEDED");
      if (isAsync) {
        const job = await client(p).waitFor(e.handle, { deadlineMs: 10_000 });
        check(job.status === "succeeded", "resumed after the deadline");
      } else {
        check(e.message.includes("may still be made"), e.message);
      }
    });

    add(`${p}: 429 with Retry-After is honoured`, async () => {
      await sb.fault(p, "submit", "rate_limit", { retryAfter: 1 });
      const before = await submits(p);
      const t0 = Date.now();
      const job = await client(p).generate(req);
      const waited = Date.now() - t0;
      check(job.status === "succeeded", "succeeded after the 429");
      check(waited >= 1000, `retried after ${waited} ms, before Retry-After`);
      check((await submits(p)) - before === 2, "one refused submit and one accepted");
    });

    add(`${p}: a 5xx, then success`, async () => {
      if (isAsync) await sb.fault(p, "poll", "500");
      else await sb.fault(p, "submit", "503");
      const job = await client(p).generate(req);
      check(job.status === "succeeded", "succeeded after the 5xx");
    });

    add(`${p}: a failed job`, async () => {
      await sb.fault(p, "submit", "fail");
      const ledger0 = await sb.ledger(KEYS[p]);
      const before = await submits(p);
      if (isAsync) {
        const e = await rejects(client(p).generate(req), "JOB_FAILED");
        check(typeof e.jobId === "string" && e.handle, "JOB_FAILED names its job");
        const ledger1 = await sb.ledger(KEYS[p]);
        check(ledger1.refunds - ledger0.refunds === 1, "the failed job was refunded");
      } else {
        const e = await rejects(client(p).generate(req), "PROVIDER_ERROR");
        check(e.status === 500 && e.retryable, "a failed synchronous generation is a retryable 500");
        check((await submits(p)) - before === 1, "a failed generation is not resent automatically");
      }
      const ledger2 = await sb.ledger(KEYS[p]);
      check(ledger2.jobsCharged === ledger0.jobsCharged, "nothing charged for a failure");
    });

    add(`${p}: a malformed body`, async () => {
      if (isAsync) {
        await sb.fault(p, "poll", "malformed");
        const job = await client(p).generate(req);
        check(job.status === "succeeded", "a malformed poll is retried");
      } else {
        await sb.fault(p, "submit", "malformed");
        const ledger0 = await sb.ledger(KEYS[p]);
        const e = await rejects(client(p).generate(req), "OUTCOME_UNKNOWN");
        check(e.handle && e.handle.request && e.handle.idempotencyKey, "the unknown outcome keeps its request and key");
        const ledger1 = await sb.ledger(KEYS[p]);
        check(ledger1.jobsCharged - ledger0.jobsCharged === 1, "billed once, never resent");
      }
    });

    add(`${p}: a hung request times out`, async () => {
      if (isAsync) {
        await sb.fault(p, "poll", "hang");
        const t0 = Date.now();
        const job = await client(p, { timeoutMs: 400 }).generate(req);
        check(job.status === "succeeded", "recovered from the hung poll");
        check(Date.now() - t0 >= 400, "the hung poll was waited out");
      } else {
        await sb.fault(p, "submit", "hang");
        await rejects(client(p).generate(req, { deadlineMs: 800 }), "DEADLINE_EXCEEDED");
      }
    });
  }

  add("apiframe: a hung submit is resent with the same key and succeeds", async () => {
    await sb.fault("apiframe", "submit", "hang");
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const job = await client("apiframe", { timeoutMs: 400 }).generate(REQUESTS.apiframe);
    check(job.status === "succeeded", "succeeded");
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCharged - ledger0.jobsCharged === 1, "one charged job");
  });

  add("gptimage2ai: a hung submit is OUTCOME_UNKNOWN, never resent", async () => {
    await sb.fault("gptimage2ai", "submit", "hang");
    const before = await submits("gptimage2ai");
    const e = await rejects(client("gptimage2ai", { timeoutMs: 400 }).generate(REQUESTS.gptimage2ai), "OUTCOME_UNKNOWN");
    check(e.handle.idempotencyKey && e.handle.request, "keeps what finds the job again");
    check((await submits("gptimage2ai")) - before === 1, "sent once");
  });

  add("apiframe: a dropped submit answer is resent with the same key, billed once", async () => {
    await sb.fault("apiframe", "submit", "drop");
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const job = await client("apiframe").generate(REQUESTS.apiframe);
    check(job.status === "succeeded", "succeeded");
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 1 && ledger1.idempotentReplays - ledger0.idempotentReplays === 1, JSON.stringify(ledger1));
  });

  add("apiframe: an unknown status is kept and the job still finishes", async () => {
    await sb.fault("apiframe", "submit", "unknown_status");
    const c = client("apiframe");
    const handle = await c.submit({ ...REQUESTS.apiframe, quality: "high" });
    const seen = [];
    for (let i = 0; i < 200; i++) {
      const job = await c.getJob(handle);
      seen.push(`${job.rawStatus}/${job.status}`);
      if (job.status === "succeeded") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    check(seen.includes("ARCHIVING/running"), `statuses seen: ${[...new Set(seen)]}`);
    check(seen.at(-1) === "COMPLETED/succeeded", `ended ${seen.at(-1)}`);
  });

  add("openai: an edit downloads the reference and uploads it", async () => {
    const first = await client("openai").generate({ prompt: "a red hat", quality: "low", size: "1024x1024" });
    // Serve the first image back as a reference through the sandbox's own URL space:
    // a getimg image URL is an http URL on loopback, allowed because the client is local.
    const ref = await client("getimg").generate({ prompt: "a red hat" });
    const job = await client("openai").generate({ prompt: "make the hat blue", quality: "low", references: [ref.images[0].url] });
    check(first.status === "succeeded" && job.status === "succeeded" && job.images[0].b64, "edited");
    check(job.cost.usd > first.cost.usd, "the edit's input image tokens are billed");
  });

  add("getimg: count 3 is three parallel calls", async () => {
    const before = await submits("getimg");
    const job = await client("getimg").generate({ prompt: "tiles", count: 3 });
    check(job.images.length === 3 && job.cost.usd === 0.18, JSON.stringify(job.cost));
    check((await submits("getimg")) - before === 3, "three calls");
  });

  // Requests to the provider APIs (the sandbox's own control routes aside).
  const requestsSent = async () =>
    Object.entries((await sb.stats()).requests).reduce((sum, [route, n]) => (route.includes("/sandbox/") ? sum : sum + n), 0);
  const HOUR = 3_600_000;

  add("apiframe: a lost submit: getJob only reads, recover replays within the window, never after", async () => {
    await sb.fault("apiframe", "submit", "drop", { count: 10 });
    const c = client("apiframe", { maxRetries: 1 });
    const ledger0 = await sb.ledger(KEYS.apiframe);
    const lost = await rejects(c.submit(REQUESTS.apiframe), "OUTCOME_UNKNOWN");
    await sb.clearFaults();
    const handle = lost.handle;
    check(handle.jobId === null && handle.request && handle.idempotencyKey, JSON.stringify(handle));
    // A read never sends the submit again.
    let before = await requestsSent();
    const read = await rejects(c.getJob(handle), "OUTCOME_UNKNOWN");
    check(read.handle && /recover/.test(read.message), read.message);
    check((await requestsSent()) === before, "getJob sent nothing");
    // Past the window (23 h of Apiframe's 24 h): recover and waitFor send nothing.
    const stale = { ...handle, submittedAt: Date.now() - 25 * HOUR };
    before = await requestsSent();
    const late = await rejects(c.recover(stale), "OUTCOME_UNKNOWN");
    check(/24 h/.test(late.message) && /23 h/.test(late.message), late.message);
    await rejects(c.waitFor(stale), "OUTCOME_UNKNOWN");
    check((await requestsSent()) === before, "recover and waitFor sent nothing outside the window");
    // Inside it: the same key finds the one job.
    const found = await c.recover(handle);
    check(typeof found.jobId === "string" && !found.request, JSON.stringify(found));
    const job = await c.waitFor(found);
    check(job.status === "succeeded", job.status);
    const ledger1 = await sb.ledger(KEYS.apiframe);
    check(ledger1.jobsCreated - ledger0.jobsCreated === 1 && ledger1.jobsCharged - ledger0.jobsCharged === 1, `one job: ${JSON.stringify(ledger1)}`);
  });

  add("gptimage2ai, getimg, openai: recover never sends", async () => {
    for (const p of ["gptimage2ai", "getimg", "openai"]) {
      const handle = {
        v: 1, provider: p, jobId: null, idempotencyKey: `lost-${p}`, submittedAt: Date.now() - 1000,
        deadline: Date.now() + 60_000, count: 1, request: REQUESTS[p],
      };
      const before = await requestsSent();
      const e = await rejects(client(p).recover(handle), "OUTCOME_UNKNOWN");
      check(/bill twice/.test(e.message), e.message);
      await rejects(client(p).getJob(handle), "OUTCOME_UNKNOWN");
      await rejects(client(p).waitFor(handle), "OUTCOME_UNKNOWN");
      check((await requestsSent()) === before, `${p}: nothing sent`);
    }
  });

  add("budget and validation refuse before any request", async () => {
    const before = await submits("apiframe");
    await rejects(client("apiframe").generate({ prompt: "x", quality: "high" }, { maxCostUsd: 0.1 }), "BUDGET_EXCEEDED");
    await rejects(client("apiframe").generate({ prompt: "", count: 99 }), "INVALID_REQUEST");
    check((await submits("apiframe")) === before, "nothing was sent");
  });

  return list;
}
