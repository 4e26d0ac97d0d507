// One fixed seed for every property test, so a failure on CI replays exactly on a laptop. To look
// further, run with another seed: LFK_FUZZ_SEED=123 npx vitest run test/fuzz/.
export const FUZZ_SEED = Number(process.env.LFK_FUZZ_SEED ?? 20261127);
