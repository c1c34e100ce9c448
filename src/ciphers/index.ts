export * from "./content-cipher.js";
export * from "./key-commitment.js";
