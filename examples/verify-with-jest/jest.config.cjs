// No moduleNameMapper: `s3-cse/jest` resolves as in a user's project (here through the package's
// own "exports", i.e. the built dist/). Plain CommonJS tests, so no transform is needed.
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/*.test.cjs"],
  setupFilesAfterEnv: ["s3-cse/jest"],
  transform: {},
  testTimeout: 30000,
};
