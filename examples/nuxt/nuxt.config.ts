export default defineNuxtConfig({
  compatibilityDate: "2025-09-01",
  devtools: { enabled: false },
  nitro: {
    // For the cloudflare_module preset: on Workers the package imports its .wasm as a
    // module, which Nitro bundles only with this flag (without it the build fails:
    // "Unexpected character '\0'" in gpt_image_edge_bg.wasm). node-server needs neither.
    experimental: { wasm: true },
    // Writes a wrangler.json for .output, with nodejs_compat (process.env holds the bindings).
    cloudflare: { deployConfig: true },
  },
});
