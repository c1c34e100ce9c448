// Loaded by vitest before every test file (vitest.config.ts setupFiles): fast-check properties run
// from a fixed seed, so a run is reproducible. FC_SEED=<n> explores other seeds; fast-check prints
// the seed and path of any counterexample, to replay with { seed, path }.
import fc from "fast-check";

const seed = Number(process.env.FC_SEED ?? 20261204);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
