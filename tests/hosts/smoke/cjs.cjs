const edge = require("gpt-image-edge");
const route = require("gpt-image-edge/route");

import("./checks.mjs")
  .then(({ smoke }) => smoke(edge, route, process.env.SANDBOX_URL))
  .then((failed) => process.exit(failed ? 1 : 0));
