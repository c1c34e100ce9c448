export * from "./decrypt-stream.js";
export * from "./encrypt-parts.js";
export * from "./part-buffers.js";
