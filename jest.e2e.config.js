/** End-to-end tests: the local run on real clips (needs ffmpeg) and the review page in chromium; each skips with a message without them. */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180000,
};
