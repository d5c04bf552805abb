// The route handler in Node 20, called with standard Request objects.
import * as edge from "gpt-image-edge/route";
import { test } from "./harness.mjs";
import { routeScenarios } from "./route-scenarios.mjs";
import { startSandbox } from "./sandbox.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
for (const s of routeScenarios(edge, sandbox.url)) test(`node route: ${s.name}`, s.run);
