'use strict';

const fs = require('node:fs');

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

// The browser test runs when Chromium is there (apt-get install chromium), always in CI (where a
// missing Chromium fails it loudly), and never when DELIVERABILITY_E2E=false.
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const e2e =
  process.env.DELIVERABILITY_E2E === 'true' ||
  (process.env.DELIVERABILITY_E2E !== 'false' && (process.env.CI === 'true' || fs.existsSync(chromium)));

module.exports = {
  // Booting Strapi takes a few seconds; building a fresh app in a test takes longer.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/server/src', '<rootDir>/admin/src'],
      testMatch: ['**/*.test.ts'],
    },
    {
      // Admin components, rendered in jsdom with the design system, the English messages and a router.
      ...common,
      displayName: 'admin',
      testEnvironment: 'jsdom',
      roots: ['<rootDir>/admin/src'],
      testMatch: ['**/*.test.tsx'],
      setupFiles: ['<rootDir>/admin/src/test-utils/setup.ts'],
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
    ...(e2e
      ? [
          {
            ...common,
            // The admin panel in headless Chromium against the built playground (builds it when stale).
            displayName: 'e2e',
            testEnvironment: 'node',
            roots: ['<rootDir>/tests/e2e'],
            testMatch: ['**/*.e2e.ts'],
          },
        ]
      : []),
  ],
};
