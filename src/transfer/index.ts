export * from "./bucket-location.js";
export * from "./download.js";
export * from "./multipart-engine.js";
export * from "./object-metadata.js";
export * from "./part-size.js";
export * from "./s3-commands.js";
export * from "./upload.js";
