export * from "./keyring.js";
export * from "./kms-client.js";
export * from "./kms-keyring.js";
export * from "./materials.js";
export * from "./policy.js";
export * from "./raw-aes-keyring.js";
export * from "./raw-keyring-support.js";
export * from "./raw-rsa-keyring.js";
