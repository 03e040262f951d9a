'use strict';

// Two projects: `unit` for pure logic (core, provider parsing and signatures, admin components),
// `integration` for tests that boot a real Strapi. Integration suites share global state
// (`global.strapi`), so `npm test` runs everything in band.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true },
      transform: { react: { runtime: 'automatic' } },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  transform: { '^.+\\.(t|j)sx?$': swc },
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/\\.tmp/', '<rootDir>/dist/', '<rootDir>/playground/'],
  modulePathIgnorePatterns: ['<rootDir>/\\.tmp/', '<rootDir>/dist/', '<rootDir>/playground/dist/'],
};

module.exports = {
  // Booting Strapi takes a few seconds; building a fresh app in a test takes longer.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/server/src', '<rootDir>/admin/src'],
      testMatch: ['**/*.test.ts', '**/*.test.tsx'],
    },
    {
      ...common,
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/tests/integration'],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...common,
      // Packs the plugin and installs it into a new Strapi app: minutes, so it runs last.
      displayName: 'install',
      testEnvironment: 'node',
      roots: ['<rootDir>/tests/install'],
      testMatch: ['**/*.test.ts'],
    },
  ],
};
