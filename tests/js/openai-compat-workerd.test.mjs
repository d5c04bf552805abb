// The route as OpenAI's Images API inside real workerd (Miniflare), served over
// workerd's own HTTP, called by openai-node: a generation and a stream.
import assert from "node:assert/strict";
import OpenAI from "openai";
import { test } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";
import { startWorker } from "./workerd.mjs";

const sandbox = await startSandbox(["--time-scale", "0.01"]);
const mf = await startWorker("worker-openai.mjs", { SANDBOX_URL: sandbox.url });
const openai = new OpenAI({ apiKey: "user-token-alice", baseURL: `${await mf.ready}api/images/v1`, maxRetries: 0 });
const PNG = (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;

test("workerd: openai-node images.generate through the route returns the image bytes", async () => {
  const r = await openai.images.generate({ model: "gpt-image-2", prompt: "a lighthouse", quality: "low", size: "1024x1024" });
  assert.ok(PNG(Buffer.from(r.data[0].b64_json, "base64")));
  await assert.rejects(openai.images.generate({ model: "gpt-image-2", prompt: "" }), (e) => e instanceof OpenAI.BadRequestError && e.param === "prompt");
});

test("workerd: openai-node stream with partial_images: 2 through the route", async () => {
  const events = [];
  for await (const e of await openai.images.generate({ model: "gpt-image-2", prompt: "a kite", quality: "low", size: "1024x1024", stream: true, partial_images: 2 })) events.push(e);
  assert.deepEqual(events.map((e) => e.type), ["image_generation.partial_image", "image_generation.partial_image", "image_generation.completed"]);
  assert.ok(PNG(Buffer.from(events[2].b64_json, "base64")) && events[2].usage.output_tokens > 0);
});
