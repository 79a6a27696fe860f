import "../lib/common.js";
