import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/runtimes/ is a plain script for Bun and Deno (npm run test:runtimes), not a jest suite.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/runtimes/'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: {
          module: 'CommonJS',
          moduleResolution: 'Node10',
          isolatedModules: true,
          esModuleInterop: true,
          target: 'ES2022',
          strict: true,
          // Nest's decorators (test/adapters/nest): TypeScript's legacy decorators, no design-type metadata.
          experimentalDecorators: true,
        },
      },
    ],
    // jose ships ES modules only: compiled to CommonJS for jest (Node 20's jest cannot require(esm)).
    '^.+/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'CommonJS', target: 'ES2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // Sources import with ESM-style '.js' extensions; map them back to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30_000,
  // Store suites fail on any unhandled promise rejection.
  setupFilesAfterEnv: ['<rootDir>/test/helpers/unhandled-in-stores.ts'],
};

export default config;
