export * from "./decrypt-stream.js";
export * from "./encrypt-parts.js";
