// Validated and priced as you type, in the browser: no key, no request.
import { estimateCost, providerInfo, validateRequest } from "gpt-image-edge";

const $ = (id) => document.getElementById(id);
for (const id of Object.keys(providerInfo())) $("provider").add(new Option(id, id));

function update() {
  const provider = $("provider").value;
  const request = { prompt: $("prompt").value, count: Number($("count").value), quality: $("quality").value };
  const { ok, errors } = validateRequest(provider, request);
  const message = (path) => errors.find((e) => e.path === path)?.message ?? "";
  $("prompt-message").textContent = request.prompt ? message("prompt") : "";
  $("count-message").textContent = message("count");
  const cost = ok ? estimateCost(provider, request) : null;
  $("price").textContent = !cost ? "—" : cost.usd === null ? `${cost.credits} credits` : `$${cost.usd.toFixed(2)}`;
}
$("form").addEventListener("input", update);
update();
