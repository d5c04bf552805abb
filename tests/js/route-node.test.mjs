// The route handler in Node, called with standard Request objects.
import * as edge from "gpt-image-edge/route";
import { test } from "./harness.mjs";
import { startHostile } from "./hostile.mjs";
import { routeScenarios } from "./route-scenarios.mjs";
import { startSandbox } from "./sandbox.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const hostile = await startHostile();
for (const s of routeScenarios(edge, sandbox.url, hostile)) test(`node route: ${s.name}`, s.run);
