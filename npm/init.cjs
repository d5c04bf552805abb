// gpt-image-edge/init in CommonJS: see init.mjs.
"use strict";
const glue = require("./glue.cjs");

module.exports = {
  ...glue,
  async init(module) {
    await glue.default({ module_or_path: await module });
  },
  initSync(module) {
    glue.initSync({ module });
  },
};
