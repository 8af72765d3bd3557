/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // End-to-end tests (ffmpeg, local stand-ins) run with `npm run test:e2e`.
  testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.test\\.ts$'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/__tests__/setup/polyfills.ts'],
  // public-responses.ts scans every response of the API tests for internals (s3://, ARNs, ...).
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup/matchers.ts', '<rootDir>/__tests__/setup/public-responses.ts'],
  testTimeout: 30000,
  // Jest's default (cores - 1) is one worker on the 2-core CI machines.
  maxWorkers: 2,
};
