"use client";
// Validated and priced as you type, in the browser (no key, no request); the
// generate goes through a route handler, which holds the key.
import { useState, type FormEvent } from "react";
import { estimateCost, validateRequest, type Quality } from "gpt-image-edge";
import type { RouteAccepted, RouteJob, RouteRefusal } from "gpt-image-edge/route";

export default function Page() {
  const [prompt, setPrompt] = useState("");
  const [count, setCount] = useState("1");
  const [quality, setQuality] = useState<Quality>("low");
  const [route, setRoute] = useState("/api/images");
  const [status, setStatus] = useState("");
  const [images, setImages] = useState<RouteJob["images"]>([]);

  const request = { prompt, count: Number(count), quality };
  const { ok, errors } = validateRequest("apiframe", request);
  const price = ok ? estimateCost("apiframe", request) : null;
  const message = (path: string) => errors.find((e) => e.path === path)?.message ?? "";

  async function generate(event: FormEvent) {
    event.preventDefault();
    setImages([]);
    setStatus("submitting");
    const headers = { "content-type": "application/json", "x-demo-user": "demo" };
    const submit = await fetch(`${route}/generate`, { method: "POST", headers, body: JSON.stringify(request) });
    const answer: RouteAccepted & Partial<RouteRefusal> = await submit.json();
    if (answer.error) return setStatus(`${answer.error.code}: ${answer.error.message}`);
    let job = answer.job;
    while (!job || job.status === "queued" || job.status === "running") {
      if (job) await new Promise((ok) => setTimeout(ok, 300));
      job = (await (await fetch(`${route}/jobs/${answer.token}`, { headers })).json()) as RouteJob;
      setStatus(job.status);
    }
    setStatus(job.status);
    setImages(job.images);
  }

  return (
    <main>
      <h1>GPT Image 2</h1>
      <form onSubmit={generate}>
        <label>
          Prompt <textarea id="prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        </label>
        <p id="prompt-message">{prompt ? message("prompt") : ""}</p>
        <label>
          Images <input id="count" type="number" value={count} onChange={(e) => setCount(e.target.value)} />
        </label>
        <p id="count-message">{message("count")}</p>
        <label>
          Quality
          <select id="quality" value={quality} onChange={(e) => setQuality(e.target.value as Quality)}>
            <option value="low">low</option>
            <option value="medium">medium</option>
            <option value="high">high</option>
          </select>
        </label>
        <label>
          Route
          <select id="route" value={route} onChange={(e) => setRoute(e.target.value)}>
            <option value="/api/images">Node.js runtime</option>
            <option value="/api/edge">edge runtime</option>
          </select>
        </label>
        <p>
          Price: <output id="price">{price?.usd != null ? `$${price.usd.toFixed(2)}` : "—"}</output>
        </p>
        <button id="generate" disabled={!ok}>Generate</button>
      </form>
      <p id="status">{status}</p>
      <div id="images">
        {images.map((image) => (
          <img key={image.url} src={image.url} width={256} alt="" />
        ))}
      </div>
    </main>
  );
}
