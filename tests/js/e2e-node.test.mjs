// Every scenario, in Node, with the installed package against the sandbox.
import * as edge from "gpt-image-edge";
import { test } from "./harness.mjs";
import { startSandbox } from "./sandbox.mjs";
import { scenarios } from "./scenarios.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
for (const s of scenarios(edge, sandbox.url)) test(`node: ${s.name}`, s.run);
