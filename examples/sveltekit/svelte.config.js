import cloudflare from "@sveltejs/adapter-cloudflare";
import node from "@sveltejs/adapter-node";

// One app, two outputs: `vite build` for Node (build/), ADAPTER=cloudflare for Workers (wrangler.toml).
export default {
  kit: { adapter: process.env.ADAPTER === "cloudflare" ? cloudflare() : node() },
};
