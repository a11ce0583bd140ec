/**
 * Jest runs TypeScript through ts-jest. Type checking is `tsc --noEmit` in `npm test`; tsconfig's
 * `isolatedModules` makes ts-jest transpile file by file, which keeps CDK test runs fast.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  setupFiles: ['<rootDir>/test/setup/fast-check.ts'],
  testTimeout: 60000,
};
