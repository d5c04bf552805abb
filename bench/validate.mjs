// Time of one validateRequest / estimateCost call from JavaScript (Node).
import { estimateCost, validateRequest } from "gpt-image-edge";

const requests = {
  small: { prompt: "a lighthouse at dusk" },
  typical: { prompt: "A lighthouse on a cliff at dusk, long exposure", quality: "high", aspectRatio: "3:2", count: 2, references: ["https://cdn.example.com/a.png"] },
  invalid: { prompt: "", count: 99, aspect_ratio: "1:1", references: ["http://10.0.0.1/x", "nope"] },
};
for (const [name, req] of Object.entries(requests)) {
  for (let i = 0; i < 2000; i++) validateRequest("apiframe", req); // warm up
  const n = 50_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) validateRequest("apiframe", req);
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`validateRequest (${name}): ${us.toFixed(2)} us/call`);
}
const n = 50_000;
const t0 = performance.now();
for (let i = 0; i < n; i++) estimateCost("openai", { prompt: "x", quality: "high", size: "1536x1024" });
console.log(`estimateCost (openai): ${(((performance.now() - t0) * 1000) / n).toFixed(2)} us/call`);
