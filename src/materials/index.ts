export * from "./keyring.js";
export * from "./kms-client.js";
export * from "./kms-keyring.js";
export * from "./materials.js";
export * from "./policy.js";
