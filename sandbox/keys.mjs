// The key the sandbox accepts for each provider by default. Tests, benchmarks,
// scripts and the demo take them from here; the sandbox keeps its own table
// (sandbox/src/config.rs, an independent stand-in), and a sandbox test holds
// the two equal.
export const SANDBOX_KEYS = {
  apiframe: "afk_sandbox",
  gptimage2ai: "g2_sandbox",
  getimg: "gi_sandbox",
  openai: "sk-sandbox",
  azure: "azure-sandbox",
  openrouter: "sk-or-sandbox",
  replicate: "r8_sandbox",
  fal: "fal_sandbox",
};

// Settings a provider needs besides its key, as the sandbox serves them (it
// serves any Azure deployment name).
export const SANDBOX_SETTINGS = {
  azure: { deployment: "gpt-image-2" },
};

// The webhook signing secret the sandbox signs Replicate's deliveries with (its
// `GET /v1/webhooks/default/secret` answers it too).
export const SANDBOX_WEBHOOK_SECRETS = {
  replicate: "whsec_Z3B0LWltYWdlLWVkZ2Ugc2FuZGJveCByZXBsaWNhdGU=",
};
