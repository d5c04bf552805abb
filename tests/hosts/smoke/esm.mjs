import * as edge from "gpt-image-edge";
import * as route from "gpt-image-edge/route";
import { smoke } from "./checks.mjs";

const baseUrl = globalThis.Deno ? Deno.env.get("SANDBOX_URL") : process.env.SANDBOX_URL;
const failed = await smoke(edge, route, baseUrl);
if (failed) (globalThis.Deno ?? process).exit(1);
