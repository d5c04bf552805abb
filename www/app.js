// The page: every check and price is computed here by the WebAssembly package
// (its browser build has no networking client and no key). Only "Generate"
// talks to the server route, which holds the key, and hears back as it goes.
import { estimateCost, providerInfo, validateRequest } from "gpt-image-edge";

const info = providerInfo();
const $ = (id) => document.getElementById(id);
const form = $("form");
const touched = new Set();

// Settings a browser may send through the route (references and webhooks stay server-side).
// Each list comes from the chosen model's part of providerInfo().
const FIELDS = [
  { name: "model", label: "Model", options: (p, provider) => provider.models.map((m) => m.id) },
  { name: "aspectRatio", label: "Aspect ratio", options: (p) => p.aspectRatios },
  // A list where the provider's API lists its sizes (Azure), else any WxH.
  { name: "size", label: "Size (WxH or auto)", input: "text", placeholder: "1024x1024", options: (p) => (p.size?.only.length ? ["auto", ...p.size.only] : null) },
  { name: "resolution", label: "Resolution", options: (p) => p.resolutions },
  { name: "quality", label: "Quality", options: (p) => p.qualities },
  { name: "outputFormat", label: "Format", options: (p) => p.outputFormats },
  { name: "outputCompression", label: "Compression (0-100)", input: "number" },
  { name: "background", label: "Background", options: (p) => p.backgrounds },
  { name: "moderation", label: "Moderation", options: (p) => p.moderations },
  { name: "count", label: "Images", input: "number", placeholder: "1" },
  { name: "style", label: "Style preset", input: "text", placeholder: "studio-product" },
  { name: "lighting", label: "Lighting", input: "text" },
  { name: "camera", label: "Camera", input: "text" },
  { name: "negative", label: "Avoid", input: "text" },
];

async function start() {
  const configured = await (await fetch("/api/providers")).json();
  for (const id of configured) {
    const o = document.createElement("option");
    o.value = id;
    o.textContent = info[id].name;
    $("provider").append(o);
  }
  $("provider").addEventListener("change", () => { renderOptions(); update(); });
  form.addEventListener("input", (e) => {
    if (e.target.name) touched.add(e.target.name);
    if (e.target.name === "model") renderOptions(true);
    update();
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); generate(); });
  renderOptions();
  update();
}

/** The chosen model's values and limits (the provider's default model's until one is chosen). */
function modelInfo(provider) {
  const chosen = $("f-model")?.value;
  return provider.models.find((m) => m.id === chosen) ?? provider;
}

/** The form for the chosen provider (and model); `keep`: the values entered so far stay where they still apply. */
function renderOptions(keep = false) {
  const provider = info[$("provider").value];
  const p = keep ? modelInfo(provider) : provider;
  const kept = new Map(keep ? [...$("options").querySelectorAll("input, select")].map((el) => [el.name, el.value]) : []);
  const box = $("options");
  box.replaceChildren();
  for (const f of FIELDS) {
    if (!p.fields.includes(f.name)) continue;
    if (f.name === "model" && provider.models.length < 2) continue;
    const label = document.createElement("label");
    label.className = "field";
    label.dataset.path = f.name;
    const title = document.createElement("span");
    title.textContent = f.label;
    let control;
    const options = f.options?.(p, provider);
    if (options) {
      control = document.createElement("select");
      const blank = document.createElement("option");
      blank.value = "";
      blank.textContent = "default";
      control.append(blank);
      for (const v of options) {
        const o = document.createElement("option");
        o.value = o.textContent = v;
        control.append(o);
      }
    } else {
      control = document.createElement("input");
      control.type = f.input;
      if (f.placeholder) control.placeholder = f.placeholder;
      if (f.name === "count") { control.min = p.count.min; control.max = p.count.max; }
    }
    control.name = f.name;
    control.id = `f-${f.name}`;
    const before = kept.get(f.name);
    if (before !== undefined && (!options || options.includes(before))) control.value = before;
    const message = document.createElement("small");
    message.className = "message";
    label.append(title, control, message);
    box.append(label);
  }
}

/** The request the form describes (empty fields left out). */
function request() {
  const req = { prompt: $("prompt").value };
  for (const el of $("options").querySelectorAll("input, select")) {
    if (el.value === "") continue;
    req[el.name] = el.type === "number" ? Number(el.value) : el.value;
  }
  return req;
}

function update() {
  const provider = $("provider").value;
  const req = request();
  const result = validateRequest(provider, req, { strict: true });
  for (const field of form.querySelectorAll(".field")) {
    const issue = result.errors.find((e) => e.path === field.dataset.path || e.path.startsWith(`${field.dataset.path}[`));
    const show = issue && (touched.has(field.dataset.path) || field.dataset.path === "prompt" && touched.has("prompt"));
    field.classList.toggle("invalid", Boolean(show));
    const msg = field.querySelector(".message");
    if (msg) msg.textContent = show ? issue.message : "";
  }
  $("submit").disabled = !result.ok;
  $("notes").replaceChildren(...result.warnings.map((w) => Object.assign(document.createElement("li"), { textContent: w.message })));
  if (!result.ok) {
    $("price").textContent = "—";
    $("basis").textContent = touched.size ? "Fix the fields above to see the price." : "";
    return;
  }
  // Where no dollar price per credit is published, the price is shown in credits.
  const cost = estimateCost(provider, req);
  const usd = cost.usd === null ? `${cost.credits} credits` : `$${dollars(cost.usd)}`;
  $("price").textContent = `${cost.exact ? "" : "≈ "}${usd}`;
  $("basis").textContent = cost.basis;
}

async function generate() {
  const provider = $("provider").value;
  $("submit").disabled = true;
  $("result").hidden = false;
  $("error").hidden = true;
  $("images").replaceChildren();
  show({ status: "queued", progress: 0 });
  try {
    // The route streams the generation as server-sent events: progress, partial
    // images (OpenAI), then the job, on one connection that is never silent.
    const res = await fetch(`/api/${provider}/generate`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify(request()),
    });
    if (!res.ok) throw (await res.json()).error;
    let job = null;
    for await (const { event, data } of events(res)) {
      if (event === "progress") show(data);
      else if (event === "partial_image") showPartial(data);
      else if (event === "completed") job = data;
      else if (event === "error") throw data.error;
    }
    if (!job) throw { message: "the connection closed before the image was ready" };
    show(job);
    if (job.status !== "succeeded") throw job.error ?? { message: `the job ended ${job.status}` };
    const images = job.images.map((img) => {
      const el = document.createElement("img");
      el.alt = $("prompt").value;
      el.src = img.url ?? `data:${img.mimeType ?? "image/png"};base64,${img.b64}`;
      return el;
    });
    $("images").replaceChildren(...images);
  } catch (e) {
    $("error").hidden = false;
    $("error").textContent = e?.issues?.map((i) => `${i.path}: ${i.message}`).join("; ") || e?.message || String(e);
  } finally {
    $("submit").disabled = false;
    update();
  }
}

/** The events of a server-sent event stream: `{ event, data }`, data parsed as JSON. */
async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}

/** A partial image: a low-resolution preview until the final image comes. */
function showPartial(partial) {
  const el = document.createElement("img");
  el.className = "partial";
  el.alt = `preview ${partial.index + 1}`;
  el.dataset.index = partial.index;
  el.src = `data:${partial.mimeType};base64,${partial.b64}`;
  $("images").replaceChildren(el);
  $("status").textContent = `preview ${partial.index + 1}`;
}

/** At least two decimals, at most four: $0.46, $0.08, $0.0054. */
function dollars(usd) {
  return usd.toFixed(4).replace(/(\.\d\d\d*?)0+$/, "$1");
}

function show(job) {
  $("status").textContent = job.status;
  $("progress").value = job.status === "succeeded" ? 100 : job.progress ?? 0;
}

start();
