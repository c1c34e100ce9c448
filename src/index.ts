/**
 * s3-cse: Amazon S3 client-side (envelope) encryption for Node.js.
 * Layers (one-way): codec ← ciphers ← materials ← pipeline ← transfer ← inspect ← cli.
 */
export * from "./aws/clients.js";
export * from "./ciphers/index.js";
export * from "./client/index.js";
export * from "./codec/index.js";
export * from "./errors.js";
export * from "./inspect/index.js";
export * from "./materials/index.js";
export * from "./pipeline/index.js";
export * from "./transfer/index.js";
