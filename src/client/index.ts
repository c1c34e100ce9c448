export * from "./s3-encryption-client.js";
export * from "./sdk-stream.js";
