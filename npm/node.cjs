// Node (require): the same as node.mjs, in CommonJS.
"use strict";
const glue = require("./glue.cjs");

glue.initSync({ module: require("./wasm-bytes.cjs") });

module.exports = glue;
