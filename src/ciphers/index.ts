export * from "./byte-range.js";
export * from "./content-cipher.js";
export * from "./key-commitment.js";
export * from "./ranged-decrypt.js";
