// The open design in Node: a gateway's base URL and headers, a user's fetch,
// models, one error class (transport-scenarios.mjs), and the /ai entry's class.
import assert from "node:assert/strict";
import * as edge from "gpt-image-edge/route";
import { GptImageError as FromAi } from "gpt-image-edge/ai";
import { GptImageError as FromMain } from "gpt-image-edge";
import { test } from "./harness.mjs";
import { startGateway } from "./gateway.mjs";
import { startSandbox } from "./sandbox.mjs";
import { transportScenarios } from "./transport-scenarios.mjs";

const sandbox = await startSandbox(["--time-scale", "0.02"]);
const gateway = await startGateway(sandbox.url);
for (const s of transportScenarios(edge, sandbox.url, gateway)) test(`node transport: ${s.name}`, s.run);

test("node transport: gpt-image-edge, /route and /ai export one GptImageError class", async () => {
  assert.equal(edge.GptImageError, FromMain);
  assert.equal(FromAi, FromMain);
  const { createGptImage } = await import("gpt-image-edge/ai");
  assert.throws(() => createGptImage({ provider: "openai" }), (e) => e instanceof FromAi && e.code === "INVALID_REQUEST");
});
