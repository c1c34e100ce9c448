export * from "./encrypted-upload.js";
export { PutObjectFieldError } from "./put-object-fields.js";
export * from "./s3-encryption-client.js";
export * from "./sdk-stream.js";
export type { CommandOutputOf, SdkCommand } from "./send-types.js";
