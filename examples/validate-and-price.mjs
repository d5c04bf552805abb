// Validate and price one request for every provider, with no key and no network.
import { validateRequest, estimateCost, providerInfo } from "gpt-image-edge";

const request = { prompt: "A lighthouse at dusk, long exposure, 35mm", quality: "medium", count: 2, aspectRatio: "3:2" };
console.log("request:", JSON.stringify(request));
for (const [id, info] of Object.entries(providerInfo())) {
  const v = validateRequest(id, request);
  if (!v.ok) {
    console.log(`\n${info.name}: not valid`);
    for (const e of v.errors) console.log(`  ${e.path}: ${e.message} (${e.code})`);
    continue;
  }
  const cost = estimateCost(id, request, { creditPriceUsd: id === "gptimage2ai" ? 0.01 : undefined });
  const usd = cost.usd === null ? "unknown" : `$${cost.usd}`;
  console.log(`\n${info.name}: ${usd}${cost.exact ? "" : " (estimate)"}`);
  console.log(`  ${cost.basis}`);
  for (const w of v.warnings) console.log(`  note: ${w.message}`);
}
