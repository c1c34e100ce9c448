export * from "./algorithm-suites.js";
export * from "./base64.js";
export * from "./content-metadata.js";
export * from "./decode.js";
export * from "./encode.js";
export * from "./json-map.js";
export * from "./metadata-keys.js";
export * from "./metadata-rules.js";
