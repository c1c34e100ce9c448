export * from "./decrypt-stream.js";
export * from "./encrypt-parts.js";
export * from "./encrypt-parts-worker.js";
export * from "./part-buffers.js";
export * from "./part-source.js";
