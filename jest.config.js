// One runner for everything: unit tests sit beside the code, cross-process tests live in test/.
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@trainyard/([a-z-]+)$': '<rootDir>/libs/$1/src',
    // The TF.js-free subpath the worker's main process uses (libs/training/gpu-device.js).
    '^@trainyard/training/gpu-device$': '<rootDir>/libs/training/src/backend/gpu-device',
  },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};
module.exports = {
  // Tests run on busy 2-core machines: a unit test that talks to Redis may wait seconds for a core.
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // Finds (or, as root, installs) Chromium once; without one the browser tests are skipped with one line.
      globalSetup: '<rootDir>/test/browser/support/global-setup.ts',
    },
  ],
};
